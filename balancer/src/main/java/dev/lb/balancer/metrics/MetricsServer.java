package dev.lb.balancer.metrics;

import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.MetricsConfig;
import dev.lb.balancer.util.LocalPorts;
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
        // Asked first: the JDK server under the exporter keeps the descriptor of a failed bind.
        switch (LocalPorts.check(config.host(), config.port())) {
            case NO_SUCH_ADDRESS -> throw new StartupException("cannot serve metrics on " + where
                    + ": no such local address (change \"metricsHost\" in the config)");
            case IN_USE -> throw inUse(where);
            case FREE -> {
            }
        }
        try {
            return new MetricsServer(HTTPServer.builder()
                    .hostname(config.host()).port(config.port()).registry(registry)
                    .registerHealthHandler(true) // GET /-/healthy for liveness probes
                    .buildAndStart());
        } catch (BindException e) {
            throw inUse(where);
        } catch (IOException e) {
            throw new StartupException("cannot serve metrics on " + where + ": " + e.getMessage());
        }
    }

    private static StartupException inUse(String where) {
        return new StartupException("cannot serve metrics on " + where
                + ": port already in use (stop the other process or change \"metricsPort\" in the config)");
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
