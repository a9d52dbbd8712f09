package dev.lb.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline, instead of sleeping and hoping: the one wait helper of every
 * module's tests.
 */
public final class Await {
    /** The default deadline: generous, as the tests must pass on a loaded 2-core machine. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    /** How often the condition is asked again; a polling period, not a synchronisation. */
    private static final long POLL_MILLIS = 10;

    private Await() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** {@link #until(String, Duration, BooleanSupplier)} with the default deadline, {@link #WAIT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, WAIT, condition);
    }
}
