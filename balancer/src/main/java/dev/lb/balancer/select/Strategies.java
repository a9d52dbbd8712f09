package dev.lb.balancer.select;

import dev.lb.balancer.config.Algorithm;

/** Maps a configured algorithm to a fresh strategy instance. */
public final class Strategies {
    private Strategies() {
    }

    public static SelectionStrategy forAlgorithm(Algorithm algorithm) {
        return switch (algorithm) {
            case LEAST_CONNECTIONS -> new LeastConnections();
            case ROUND_ROBIN -> new RoundRobin();
        };
    }
}
