package dev.lb.balancer.backend;

import java.util.concurrent.atomic.LongAdder;

/**
 * The balancer's exchange counters over every backend it ever had, for the life of the process.
 * Summing the live backends instead would make the totals fall when a reload or a remove drops a
 * backend, and a total that goes down reads as a restart. Backends add to it from request threads
 * without locks.
 */
public final class ExchangeTotals {
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /** Exchanges started with any backend since start. */
    public long requests() {
        return requests.sum();
    }

    /** Exchanges that got no usable answer from their backend since start. */
    public long failures() {
        return failures.sum();
    }

    void requestStarted() {
        requests.increment();
    }

    void failed() {
        failures.increment();
    }
}
