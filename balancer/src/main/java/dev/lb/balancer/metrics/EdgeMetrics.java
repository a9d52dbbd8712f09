package dev.lb.balancer.metrics;

import dev.lb.balancer.accesslog.AccessLogWriter;
import dev.lb.balancer.tls.CertificateStore;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Metrics of the balancer's edge: the access log and TLS termination. Each is read from its owner
 * when Prometheus scrapes; nothing is updated on the request path.
 */
public final class EdgeMetrics {
    private EdgeMetrics() {
    }

    /** Lines written, dropped because the queue was full, and lost to failed writes. */
    public static void accessLog(PrometheusRegistry registry, AccessLogWriter log) {
        CounterWithCallback.builder().name("lb_access_log_lines")
                .help("Access-log lines by outcome: written; dropped (the log's queue was full: its disk or pipe was"
                        + " slower than the requests); failed (the write failed, e.g. disk full)")
                .labelNames("outcome")
                .callback(cb -> {
                    cb.call(log.written(), "written");
                    cb.call(log.dropped(), "dropped");
                    cb.call(log.writeErrors(), "failed");
                })
                .register(registry);
    }

    /** Seconds until the served certificate expires, and certificate reloads by result. */
    public static void certificate(PrometheusRegistry registry, CertificateStore store) {
        GaugeWithCallback.builder().name("lb_tls_certificate_expiry_seconds")
                .help("Seconds until the certificate served on the proxy port expires; negative once it has")
                .callback(cb -> cb.call(store.untilExpiry().toMillis() / 1000.0))
                .register(registry);
        CounterWithCallback.builder().name("lb_tls_certificate_reloads")
                .help("New certificate/key pairs read after start (reload or file change), by result: applied, or"
                        + " rejected (did not parse, or the key is not the certificate's; the old pair kept serving)")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(store.reloadsApplied(), "applied");
                    cb.call(store.reloadsRejected(), "rejected");
                })
                .register(registry);
    }

    /** Requests that asked for a protocol upgrade, which the balancer answers as plain requests. */
    public static void upgrades(PrometheusRegistry registry, java.util.function.LongSupplier count) {
        CounterWithCallback.builder().name("lb_upgrade_requests")
                .help("Requests with an Upgrade header (WebSocket, h2c): forwarded as plain requests with Upgrade"
                        + " removed, since the balancer cannot hand a connection over after 101 Switching Protocols")
                .callback(cb -> cb.call(count.getAsLong()))
                .register(registry);
    }
}
