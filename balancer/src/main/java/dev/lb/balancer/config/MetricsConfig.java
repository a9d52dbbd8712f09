package dev.lb.balancer.config;

/**
 * The Prometheus metrics endpoint.
 *
 * @param enabled whether {@code GET /metrics} is served at all ({@code metricsPort} given)
 * @param host    address the endpoint binds to
 * @param port    port of the endpoint; 0 picks a free one
 */
public record MetricsConfig(boolean enabled, String host, int port) {
    /** No metrics endpoint. */
    public static final MetricsConfig OFF = new MetricsConfig(false, ConfigLoader.DEFAULT_METRICS_HOST, 0);
}
