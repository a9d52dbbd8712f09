package dev.lb.balancer;

import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.metrics.BalancerMetrics;
import dev.lb.balancer.metrics.MetricsServer;
import dev.lb.balancer.proxy.BackendClient;
import dev.lb.balancer.proxy.ProxyHandler;
import dev.lb.balancer.select.SelectionStrategy;
import dev.lb.balancer.select.Strategies;
import dev.lb.balancer.server.WorkerExecutors;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One running load balancer: wires the pool, health checker, selection strategy and proxy server from
 * a config, and owns their start and stop. Everything it starts, it stops.
 */
public final class Balancer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Balancer.class.getName());

    static {
        // Read once when the JDK's HttpServer first loads. Without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs hold small responses back for up to 40 ms each.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** The config the balancer started with; {@link #config()} is the one in effect after reloads. */
    private final BalancerConfig config;
    private final Clock clock;
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final HealthChecker healthChecker;
    private final BackendClient backendClient;
    private final RuntimeControl control;
    private HttpServer server;
    private MetricsServer metricsServer;
    private ExecutorService workers;
    private Instant startedAt;

    public Balancer(BalancerConfig config) {
        this(config, null, Clock.systemUTC());
    }

    public Balancer(BalancerConfig config, Clock clock) {
        this(config, null, clock);
    }

    /** A balancer that reloads {@code configPath} on request; null when it was not loaded from a file. */
    public Balancer(BalancerConfig config, Path configPath) {
        this(config, configPath, Clock.systemUTC());
    }

    public Balancer(BalancerConfig config, Path configPath, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.pool = new BackendPool(config.servers().stream().map(Backend::new).toList(),
                new HealthPolicy(config.healthCheck().healthyThreshold(), config.healthCheck().unhealthyThreshold()),
                clock);
        this.strategy = Strategies.forAlgorithm(config.algorithm());
        this.healthChecker = new HealthChecker(pool, config.healthCheck(), clock);
        this.backendClient = new BackendClient(config.timeouts());
        this.control = new RuntimeControl(pool, healthChecker, backendClient, config, configPath, clock);
        pool.addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
                logHealthChange(event);
            }

            @Override
            public void onAdminChange(AdminEvent event) {
                logAdminChange(event);
            }
        });
    }

    /**
     * Binds the proxy port and starts serving and health checking.
     *
     * @throws StartupException when the port cannot be bound; nothing is left running
     */
    public synchronized Balancer start() throws StartupException {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        try {
            server = HttpServer.create(address, 1024);
        } catch (BindException e) {
            throw new StartupException("cannot listen on " + config.host() + ":" + config.port()
                    + ": port already in use (stop the other process or change \"port\" in the config)");
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
        }
        WorkerExecutors.Created created;
        try {
            created = WorkerExecutors.create(config.executor(), config.workerThreads());
        } catch (IllegalStateException e) {
            server.stop(0);
            throw new StartupException(e.getMessage());
        }
        workers = created.executor();
        server.setExecutor(workers);
        ProxyHandler proxy = new ProxyHandler(pool, strategy, backendClient, config.timeouts(), config.retries());
        if (config.metrics().enabled()) {
            try {
                startMetrics(proxy);
            } catch (StartupException e) {
                server.stop(0);
                server = null;
                workers.shutdown();
                throw e;
            }
        }
        server.createContext("/", proxy);
        server.start();
        startedAt = clock.instant();
        healthChecker.start();
        LOG.log(System.Logger.Level.INFO, "listening on {0}:{1,number,#} ({2}, {3}); backends: {4}",
                config.host(), port(), strategy.name(), created.description(),
                pool.all().stream().map(Backend::toString).collect(Collectors.joining(", ")));
        return this;
    }

    private void startMetrics(ProxyHandler proxy) throws StartupException {
        BalancerMetrics metrics = new BalancerMetrics(pool);
        metricsServer = MetricsServer.start(config.metrics(), metrics.registry());
        proxy.observe(metrics);
        LOG.log(System.Logger.Level.INFO, "metrics on http://{0}:{1,number,#}/metrics",
                config.metrics().host(), metricsServer.port());
    }

    /** The port of the metrics endpoint, when metrics are on. */
    public java.util.OptionalInt metricsPort() {
        return metricsServer == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(metricsServer.port());
    }

    /** Runtime changes and config reloads. */
    public RuntimeControl control() {
        return control;
    }

    /** The port the proxy listens on; differs from the config's when that was 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The config in effect: as started, then as the last successful reload left it. */
    public BalancerConfig config() {
        return control.config();
    }

    public BackendPool pool() {
        return pool;
    }

    public SelectionStrategy strategy() {
        return strategy;
    }

    public HealthChecker healthChecker() {
        return healthChecker;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code drain}, then stops
     * everything.
     */
    public synchronized void stop(Duration drain) {
        if (server == null) {
            return;
        }
        // HttpServer.stop waits for exchanges in flight, in whole seconds.
        server.stop((int) Math.ceil(drain.toMillis() / 1000.0));
        server = null;
        if (metricsServer != null) {
            metricsServer.close();
            metricsServer = null;
        }
        control.close();
        healthChecker.close();
        workers.shutdown();
        try {
            workers.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backendClient.close();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    private static void logHealthChange(HealthEvent event) {
        LOG.log(System.Logger.Level.INFO, "backend {0} is {1} ({2})", event.backend(), event.to(), event.reason());
    }

    private static void logAdminChange(AdminEvent event) {
        String change = switch (event.change()) {
            case ADDED -> "added (" + event.to() + "; joins after a passing health check)";
            case REMOVED -> "removed";
            case DRAINED -> "drained: nothing in flight";
            case STATE -> "is " + event.to() + " (was " + event.from() + ")";
            case WEIGHT -> "weight " + event.from() + " -> " + event.to();
        };
        LOG.log(System.Logger.Level.INFO, "backend {0} {1} (by {2})", event.backend(), change, event.actor());
    }
}
