package dev.lb.balancer.admin;

import java.time.Duration;
import java.time.Instant;

/**
 * What the admin API reports about the balancer itself, fixed once it is serving.
 *
 * @param listenAddress       "host:port" the proxy listens on
 * @param algorithm           the selection algorithm's config name
 * @param startedAt           when the proxy started serving
 * @param healthCheckInterval time between two checks of one backend
 * @param version             the balancer's version, "dev" outside a release jar
 */
public record BalancerFacts(String listenAddress, String algorithm, Instant startedAt,
                            Duration healthCheckInterval, String version) {
}
