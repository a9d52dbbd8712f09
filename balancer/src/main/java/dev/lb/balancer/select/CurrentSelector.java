package dev.lb.balancer.select;

import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The strategy's selector for the pool's latest snapshot. A pick reads the pool's snapshot (one
 * volatile read) and compares it by reference with the one the held selector was built for; the first
 * pick after a change builds the next selector, and every later pick on that snapshot reuses it.
 *
 * <p>No lock: requests that see a new snapshot at the same moment may each build its selector (they
 * are alike; each request uses its own), and only one is kept. A selector for an older snapshot never
 * replaces one for a newer snapshot.
 */
final class CurrentSelector {
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    /** The selector for the newest snapshot seen by a pick; replaced by compare-and-set only. */
    private final AtomicReference<Selector> held = new AtomicReference<>();

    CurrentSelector(BackendPool pool, SelectionStrategy strategy) {
        this.pool = pool;
        this.strategy = strategy;
    }

    /** The selector for the pool's snapshot now. */
    Selector get() {
        PoolSnapshot now = pool.snapshot();
        Selector current = held.get();
        if (current != null && current.snapshot() == now) {
            return current;
        }
        Selector built = strategy.selectorFor(now);
        // Only forward: a request that read an older snapshot must not undo a newer selector.
        while (current == null || current.snapshot().version() < now.version()) {
            if (held.compareAndSet(current, built)) {
                break;
            }
            current = held.get();
        }
        return built;
    }
}
