package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.Optional;

/**
 * Chooses which backend gets a request. A strategy builds one {@link Selector} per pool snapshot,
 * precomputing what depends only on the snapshot's backends and weights, so a pick on the request path
 * is an increment and a lookup. Implementations are small, lock-free and thread-safe.
 */
public interface SelectionStrategy {

    /**
     * A new selector for {@code snapshot}. Callers keep it for as long as the pool's snapshot is that
     * one (see {@link CurrentSelector}); building it is the only work a change costs selection.
     */
    Selector selectorFor(PoolSnapshot snapshot);

    /** Picks one of {@code candidates}; empty only when there are none. */
    default Optional<Backend> select(List<Backend> candidates) {
        return select(candidates, Placement.NONE);
    }

    /**
     * Picks one of {@code candidates}, a list no pool published, for a request that may carry a hash
     * key (strategies that hash nothing ignore it), weighing the backends as they are weighted now.
     * The selector for the list is kept while the same list comes with unchanged weights.
     */
    Optional<Backend> select(List<Backend> candidates, Placement placement);

    /** The name shown to operators, as written in the config. */
    String name();
}
