package dev.lb.balancer;

import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.admin.AdminServer;
import dev.lb.balancer.admin.BalancerFacts;
import dev.lb.balancer.admin.StatusReader;
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
import dev.lb.balancer.server.ClientReadTimeout;
import dev.lb.balancer.server.ExchangeTracker;
import dev.lb.balancer.server.HttpServers;
import dev.lb.balancer.server.RequestHeadTimeout;
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
        // Read once when the JDK's HttpServer first loads; an operator's -D setting wins.
        // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold small responses back for up to
        // 40 ms each.
        defaultProperty("sun.net.httpserver.nodelay", "true");
        // Hard caps at which the server drops a connection without an answer. ProxyHandler answers 431
        // well below them (32 KiB, 100 fields); these only bound the memory a hostile head can take.
        defaultProperty("sun.net.httpserver.maxReqHeaderSize", Integer.toString(128 * 1024));
        defaultProperty("sun.net.httpserver.maxReqHeaders", "200");
        // Idle keep-alive connections, and connections that never send a byte, are closed after this
        // many seconds. (maxReqTime is left unset: it also covers the request body and would cut long
        // uploads; RequestHeadTimeout bounds the head alone.)
        defaultProperty("sun.net.httpserver.idleInterval", "30");
        // Jetty's jar on the class path registers its provider as a service; the config chooses instead.
        HttpServers.preferJdkProvider();
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    /** The config the balancer started with; {@link #config()} is the one in effect after reloads. */
    private final BalancerConfig config;
    private final Clock clock;
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final HealthChecker healthChecker;
    private final BackendClient backendClient;
    private final ExchangeTracker exchanges = new ExchangeTracker();
    private final RuntimeControl control;
    private HttpServer server;
    private MetricsServer metricsServer;
    private ExecutorService workers;
    private RequestHeadTimeout headTimeout;
    private ClientReadTimeout bodyTimeout;
    private Instant startedAt;
    private AdminServer admin;

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
            server = HttpServers.create(config.server(), address, 1024, config.timeouts(), config.workerThreads());
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
        headTimeout = new RequestHeadTimeout(config.timeouts().requestHead());
        if (HttpServers.usesGivenExecutor(server)) {
            server.setExecutor(headTimeout.wrap(workers));
        }
        bodyTimeout = new ClientReadTimeout(config.timeouts().requestBodyIdle());
        ProxyHandler proxy = new ProxyHandler(pool, strategy, backendClient, config.retries(),
                bodyTimeout, exchanges::draining);
        if (config.metrics().enabled()) {
            try {
                startMetrics(proxy);
            } catch (StartupException e) {
                server.stop(0);
                server = null;
                workers.shutdown();
                headTimeout.close();
                bodyTimeout.close();
                throw e;
            }
        }
        server.createContext("/", headTimeout.wrap(exchanges.wrap(proxy)));
        server.start();
        startedAt = clock.instant();
        try {
            admin = AdminServer.start(config.adminHost(), config.adminPort(), pool,
                    new StatusReader(pool, facts(), clock), control, clock);
        } catch (StartupException e) {
            server.stop(0);
            server = null;
            workers.shutdownNow();
            throw e;
        }
        healthChecker.start();
        LOG.log(System.Logger.Level.INFO, "listening on {0}:{1,number,#} ({2}, {3}); backends: {4}",
                config.host(), port(), strategy.name(), HttpServers.describe(server, created.description()),
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

    /** The class serving the proxy port: which implementation of the HTTP server API is in use. */
    public String serverImplementation() {
        return server.getClass().getName();
    }

    /** The port the proxy listens on; differs from the config's when that was 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The gRPC admin server, running between {@link #start()} and {@link #stop(Duration)}. */
    public AdminServer admin() {
        return admin;
    }

    /** The port the admin API listens on; differs from the config's when that was 0. */
    public int adminPort() {
        return admin.port();
    }

    private BalancerFacts facts() {
        String version = Balancer.class.getPackage().getImplementationVersion();
        return new BalancerFacts(config.host() + ":" + port(), config.algorithm().configName(), startedAt,
                config.healthCheck().interval(), version == null ? "dev" : version);
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

    /** Client requests being handled right now. */
    public int requestsInFlight() {
        return exchanges.inFlight();
    }

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code drain}, then stops
     * everything. Returns as soon as the last request is done, not after the whole drain time.
     */
    public synchronized void stop(Duration drain) {
        if (server == null) {
            return;
        }
        HttpServer stopping = server;
        server = null;
        exchanges.startDraining();
        // HttpServer.stop closes the listening socket at once, then waits for exchanges; on Java 17 it
        // waits the whole delay even when none is left, so it runs on a thread of its own and is cut
        // short below once this balancer's own count says the server is idle.
        Thread closer = new Thread(() -> stopping.stop((int) Math.ceil(drain.toMillis() / 1000.0) + 1),
                "http-server-stop");
        closer.setDaemon(true);
        closer.start();
        boolean drained = true;
        try {
            drained = exchanges.awaitIdle(drain);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!drained && !drain.isZero()) {
            LOG.log(System.Logger.Level.WARNING, "drain timeout of {0} ms reached; closing {1} requests still in flight",
                    drain.toMillis(), exchanges.inFlight());
        }
        stopping.stop(0);
        try {
            closer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close();
        admin = null;
        if (metricsServer != null) {
            metricsServer.close();
            metricsServer = null;
        }
        control.close();
        healthChecker.close();
        headTimeout.close();
        bodyTimeout.close();
        workers.shutdownNow();
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
