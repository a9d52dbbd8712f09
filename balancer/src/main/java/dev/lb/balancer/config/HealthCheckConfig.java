package dev.lb.balancer.config;

import java.time.Duration;

/**
 * How backends are actively checked.
 *
 * @param path               the path requested with GET; a 200 answer means healthy
 * @param interval           time between two checks of one backend
 * @param timeout            a check that takes longer counts as failed
 * @param healthyThreshold   consecutive successes that bring a DOWN backend UP
 * @param unhealthyThreshold consecutive failures that take an UP backend DOWN
 */
public record HealthCheckConfig(String path, Duration interval, Duration timeout,
                                int healthyThreshold, int unhealthyThreshold) {
}
