package dev.lb.balancer;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a balancer has opened, in the order it opened it. A failed start and {@link Balancer#stop} both
 * unwind it the same way, newest first, so a part is closed before anything it depends on and nothing
 * opened is forgotten. A part whose close fails is logged and skipped: the ones below it still close.
 *
 * <p>Not thread-safe: its owner ({@link Balancer}, under its monitor) is the only caller.
 */
final class Lifecycle {
    private static final System.Logger LOG = System.getLogger(Lifecycle.class.getName());

    /** Closes one part; may throw, which the unwinding logs and survives. */
    @FunctionalInterface
    interface Closer {
        void close() throws Exception;
    }

    private record Part(String name, Closer closer) {
    }

    private final Deque<Part> parts = new ArrayDeque<>();

    /** Records an opened part; it is closed before every part pushed earlier. */
    void push(String name, Closer closer) {
        parts.push(new Part(name, closer));
    }

    /** Whether nothing is open. */
    boolean isEmpty() {
        return parts.isEmpty();
    }

    /**
     * Closes every part, newest first, and forgets them, so a second call does nothing. An interrupt
     * seen while closing does not stop the unwinding; it is restored for the caller at the end.
     */
    void unwind() {
        boolean interrupted = false;
        for (Part part = parts.poll(); part != null; part = parts.poll()) {
            try {
                part.closer().close();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (Exception e) {
                // One part failing to close must not leave the parts below it open.
                LOG.log(System.Logger.Level.WARNING, "closing " + part.name() + " failed", e);
            }
            interrupted |= Thread.interrupted();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
