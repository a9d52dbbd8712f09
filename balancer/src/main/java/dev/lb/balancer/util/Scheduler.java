package dev.lb.balancer.util;

import java.time.Duration;

/**
 * Runs a task once after a delay: the balancer's one {@link Timers} in production, a test's manual
 * scheduler where time is the subject. Components that only need "when" take this, so a test decides
 * the moment each of their steps comes due.
 */
public interface Scheduler {
    /**
     * Runs {@code task} once after {@code delay}, never on the calling thread; tasks must be short and
     * never block.
     */
    Timers.Cancellable schedule(Duration delay, Runnable task);

    /** Monotonic nanoseconds of this scheduler's clock; only differences mean anything. */
    long nanoTime();
}
