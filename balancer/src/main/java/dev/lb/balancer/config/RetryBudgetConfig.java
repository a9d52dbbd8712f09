package dev.lb.balancer.config;

/**
 * How many retries the balancer allows itself, as a share of recent requests (Envoy's retry budget), so
 * a failing pool is never sent a multiple of its load.
 *
 * @param percent      retries allowed as a percentage of the requests of the last few seconds
 * @param minPerSecond retries allowed per second whatever the traffic, so a quiet balancer can still retry
 */
public record RetryBudgetConfig(int percent, int minPerSecond) {
    public static final RetryBudgetConfig DEFAULT = new RetryBudgetConfig(20, 3);
}
