package dev.lb.balancer.testing;

import dev.lb.balancer.util.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when the test says so: deadlines and idle ages at exact instants. */
public final class ManualTicker implements Ticker {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    public void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Override
    public long nanoTime() {
        return now.get();
    }
}
