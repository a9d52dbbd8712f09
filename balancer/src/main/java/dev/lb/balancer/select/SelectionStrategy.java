package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

import java.util.List;
import java.util.Optional;

/**
 * Chooses which backend gets a request. Implementations are small, lock-free and thread-safe: they are
 * called by every request thread with an immutable list of candidates.
 */
public interface SelectionStrategy {

    /** Picks one of {@code candidates}; empty only when there are none. */
    Optional<Backend> select(List<Backend> candidates);

    /**
     * Picks one of {@code candidates} for a request that may carry a hash key; strategies that hash
     * nothing ignore it.
     */
    default Optional<Backend> select(List<Backend> candidates, Placement placement) {
        return select(candidates);
    }

    /** The name shown to operators, as written in the config. */
    String name();
}
