package dev.lb.balancer.config;

import java.util.Optional;

/**
 * The Prometheus metrics endpoint.
 *
 * @param enabled whether {@code GET /metrics} is served at all ({@code metricsPort} given)
 * @param host    address the endpoint binds to
 * @param port    port of the endpoint; 0 picks a free one
 * @param tls     HTTPS ({@code metricsTls}); empty for plaintext HTTP
 */
public record MetricsConfig(boolean enabled, String host, int port, Optional<MetricsTlsConfig> tls) {
    /** No metrics endpoint. */
    public static final MetricsConfig OFF = new MetricsConfig(false, ConfigLoader.DEFAULT_METRICS_HOST, 0);

    /** A plaintext endpoint. */
    public MetricsConfig(boolean enabled, String host, int port) {
        this(enabled, host, port, Optional.empty());
    }
}
