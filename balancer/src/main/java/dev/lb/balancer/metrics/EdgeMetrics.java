package dev.lb.balancer.metrics;

import dev.lb.balancer.accesslog.AccessLogWriter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
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
}
