package dev.lb.balancer.select;

import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.Algorithm;
import dev.lb.balancer.config.HashConfig;

/** Maps a configured algorithm to a fresh strategy instance. */
public final class Strategies {
    private Strategies() {
    }

    /**
     * A strategy whose selectors hash over their snapshot's rotation; {@code hash} given a plain list
     * ({@link SelectionStrategy#select(java.util.List, Placement)}) builds its ring over that list.
     */
    public static SelectionStrategy forAlgorithm(Algorithm algorithm) {
        return switch (algorithm) {
            case LEAST_CONNECTIONS -> new LeastConnections();
            case ROUND_ROBIN -> new RoundRobin();
            case HASH -> new ConsistentHash(null, HashConfig.DEFAULT_BALANCE_FACTOR);
        };
    }

    /** A strategy for the backends of {@code pool}: {@code hash} builds its ring over the pool's rotation, plain lists included. */
    public static SelectionStrategy forAlgorithm(Algorithm algorithm, BackendPool pool, HashConfig hash) {
        return algorithm == Algorithm.HASH
                ? new ConsistentHash(pool::available, hash.balanceFactor())
                : forAlgorithm(algorithm);
    }
}
