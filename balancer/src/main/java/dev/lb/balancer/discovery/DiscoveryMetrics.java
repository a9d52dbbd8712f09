package dev.lb.balancer.discovery;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The discovery sources' series, read from their status at each scrape. */
public final class DiscoveryMetrics {
    private DiscoveryMetrics() {
    }

    /** Registers the series of every source of {@code discovery}; none when it has no source. */
    public static void register(PrometheusRegistry registry, Discovery discovery) {
        if (discovery.statuses().isEmpty()) {
            return;
        }
        GaugeWithCallback.builder().name("lb_discovery_source_up")
                .help("1 when the discovery source's last attempt gave an answer, 0 while it fails (its last membership stays)")
                .labelNames("source")
                .callback(cb -> discovery.statuses().forEach(s -> cb.call(s.state() == SourceStatus.State.FAILING ? 0 : 1, s.name())))
                .register(registry);
        GaugeWithCallback.builder().name("lb_discovery_backends")
                .help("Backends the discovery source named in the answer applied last")
                .labelNames("source")
                .callback(cb -> discovery.statuses().forEach(s -> cb.call(s.backends(), s.name())))
                .register(registry);
        CounterWithCallback.builder().name("lb_discovery_failures")
                .help("Attempts to ask the discovery source that failed")
                .labelNames("source")
                .callback(cb -> discovery.statuses().forEach(s -> cb.call(s.failures(), s.name())))
                .register(registry);
    }
}
