package dev.lb.balancer.control;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.Drain;

import java.util.concurrent.CompletableFuture;

/**
 * A backend on its way out: it drains, then leaves the pool.
 *
 * @param drain   the drain, to follow the in-flight count down
 * @param removed completes with the backend once it has left the pool (drained, or the drain timeout
 *                passed first)
 */
public record Removal(Drain drain, CompletableFuture<Backend> removed) {
}
