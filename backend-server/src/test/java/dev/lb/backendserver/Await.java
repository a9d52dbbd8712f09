package dev.lb.backendserver;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, instead of sleeping and hoping. */
final class Await {
    /** Generous: the tests must pass on a loaded 2-core machine. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private Await() {
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(10); // poll interval, not a synchronisation point
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what);
            }
        }
    }
}
