package dev.lb.balancer.util;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place membership, health and admin changes run, one at a time and in the order they were
 * submitted (grpc-java's {@code SynchronizationContext}): a queue of tasks drained by whichever thread
 * enqueues while nobody else is draining. State only changed inside the context needs no lock, and
 * events published from inside it go out in the order the changes were decided.
 *
 * <p>Why drained by the enqueuer rather than by an owned thread: an enqueuer never waits. When another
 * thread is draining, {@link #execute} returns at once and that thread runs the task, so a request
 * thread reporting a failure never blocks on the management plane; and a caller that is alone (a test,
 * an operator's command on a quiet balancer) sees its change made when the call returns, with no
 * hand-off. The price: a task may run on any thread that enqueued, so tasks must be short and never
 * block (no file or network I/O, no sleeping; listeners they call return at once).
 */
public final class ControlContext implements Executor {
    private static final System.Logger LOG = System.getLogger(ControlContext.class.getName());

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** The thread draining the queue now; null when none is. Only the drainer runs tasks. */
    private final AtomicReference<Thread> drainer = new AtomicReference<>();

    /** A change that returns a value and may refuse with a checked exception. */
    @FunctionalInterface
    public interface Change<T, E extends Exception> {
        T apply() throws E;
    }

    /**
     * Queues {@code task} and drains the queue unless another thread is draining it, in which case
     * that thread runs it. Never waits. A task a task submits runs after the current one.
     */
    @Override
    public void execute(Runnable task) {
        queue.add(task);
        drain();
    }

    /**
     * Runs {@code task} now when called from inside the context (as part of the task running), else
     * as {@link #execute}. For follow-ups that must happen within the change that caused them, such as
     * publishing DRAINED in the same step that found nothing in flight.
     */
    public void run(Runnable task) {
        if (inContext()) {
            task.run();
        } else {
            execute(task);
        }
    }

    /**
     * Makes {@code change} in the context and returns its result, rethrowing what it threw. From
     * inside the context it runs at once; otherwise it waits while another thread drains, so only
     * management-plane threads call this, never a request thread.
     */
    @SuppressWarnings("unchecked")
    public <T, E extends Exception> T call(Change<T, E> change) throws E {
        if (inContext()) {
            return change.apply();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(change.apply());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw (E) cause;
        }
    }

    /** Whether the calling thread is running a task of this context now. */
    public boolean inContext() {
        return drainer.get() == Thread.currentThread();
    }

    private void drain() {
        do {
            if (!drainer.compareAndSet(null, Thread.currentThread())) {
                return; // the thread draining now will run what was queued
            }
            try {
                Runnable task;
                while ((task = queue.poll()) != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // One failed change must not strand the changes queued behind it.
                        LOG.log(System.Logger.Level.ERROR, "a control change failed", e);
                    }
                }
            } finally {
                drainer.set(null);
            }
            // A task queued after the last poll and before the release found us still draining: run it.
        } while (!queue.isEmpty());
    }
}
