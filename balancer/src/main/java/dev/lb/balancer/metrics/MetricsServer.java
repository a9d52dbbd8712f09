package dev.lb.balancer.metrics;

import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.MetricsConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.BindException;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (and {@code GET /-/healthy}) on its own
 * port and threads, apart from the proxy so a scrape never waits behind traffic.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds the configured address and starts serving.
     *
     * @throws StartupException when the port cannot be bound
     */
    public static MetricsServer start(MetricsConfig config, PrometheusRegistry registry) throws StartupException {
        String where = config.host() + ":" + config.port();
        try {
            return new MetricsServer(HTTPServer.builder()
                    .hostname(config.host()).port(config.port()).registry(registry)
                    .registerHealthHandler(true) // GET /-/healthy for liveness probes
                    .buildAndStart());
        } catch (BindException e) {
            throw new StartupException("cannot serve metrics on " + where
                    + ": port already in use (stop the other process or change \"metricsPort\" in the config)");
        } catch (IOException e) {
            throw new StartupException("cannot serve metrics on " + where + ": " + e.getMessage());
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
