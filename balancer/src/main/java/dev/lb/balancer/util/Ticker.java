package dev.lb.balancer.util;

/**
 * A source of monotonic nanoseconds, {@link System#nanoTime()} in production. Deadlines and idle ages
 * are measured by it, so a test that supplies its own decides what time it is.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();
}
