package dev.lb.balancer.metrics;

import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.MetricsConfig;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import dev.lb.balancer.util.LocalPorts;
import dev.lb.balancer.util.NamedThreadFactory;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.BindException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (and {@code GET /-/healthy}) on its own
 * port and threads, apart from the proxy so a scrape never waits behind traffic. Everything else on the
 * port goes to a root handler: the status page.
 */
public final class MetricsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetricsServer.class.getName());
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
        return start(config, registry, null, 1);
    }

    /**
     * Binds the configured address and starts serving, with {@code root} answering every path but the
     * metrics' own.
     *
     * @param root    the handler for {@code /} and every other path; null for the exporter's own page
     * @param threads the listener's threads ({@code metrics-http-N}, idle ones end after a minute); a
     *                handler that holds its thread (a browser's event stream) needs its own on top of
     *                the scrapes'
     * @throws StartupException when the port cannot be bound
     */
    public static MetricsServer start(MetricsConfig config, PrometheusRegistry registry, HttpHandler root, int threads)
            throws StartupException {
        return start(config, registry, root, threads, null);
    }

    /**
     * As {@link #start(MetricsConfig, PrometheusRegistry, HttpHandler, int)}, over HTTPS when {@code https}
     * is given ({@code metricsTls}).
     */
    public static MetricsServer start(MetricsConfig config, PrometheusRegistry registry, HttpHandler root, int threads,
                                      HttpsConfigurator https) throws StartupException {
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
            HTTPServer.Builder builder = HTTPServer.builder()
                    .hostname(config.host()).port(config.port()).registry(registry)
                    .registerHealthHandler(true) // GET /-/healthy for liveness probes
                    .executorService(executor(threads)); // shut down by the exporter's close
            if (root != null) {
                builder.defaultHandler(root);
            }
            if (https != null) {
                builder.httpsConfigurator(https);
            }
            MetricsServer started = new MetricsServer(builder.buildAndStart());
            MetricsExposure.warning(config).ifPresent(warning -> LOG.log(System.Logger.Level.WARNING, warning));
            return started;
        } catch (BindException e) {
            throw inUse(where);
        } catch (IOException e) {
            throw new StartupException("cannot serve metrics on " + where + ": " + e.getMessage());
        }
    }

    private static ExecutorService executor(int threads) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("metrics-http", true));
        executor.allowCoreThreadTimeOut(true);
        return executor;
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
