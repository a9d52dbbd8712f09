package dev.lb.balancer;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import dev.lb.balancer.accesslog.AccessLogWriter;
import dev.lb.balancer.admin.AdminServer;
import dev.lb.balancer.admin.BalancerFacts;
import dev.lb.balancer.admin.EdgeStatus;
import dev.lb.balancer.admin.StatusReader;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.OutlierEvent;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.MetricsTlsConfig;
import dev.lb.balancer.config.TlsConfig;
import dev.lb.balancer.config.ServerKind;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.discovery.Discovery;
import dev.lb.balancer.discovery.DiscoveryException;
import dev.lb.balancer.discovery.DiscoveryMetrics;
import dev.lb.balancer.fleet.Fleet;
import dev.lb.balancer.fleet.FleetInstance;
import dev.lb.balancer.health.FirstCheckRound;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.health.PassiveHealth;
import dev.lb.balancer.metrics.BalancerMetrics;
import dev.lb.balancer.metrics.EdgeMetrics;
import dev.lb.balancer.metrics.MetricsServer;
import dev.lb.balancer.page.StatusPage;
import dev.lb.balancer.proxy.ExchangeObserver;
import dev.lb.balancer.proxy.RetryPolicy;
import dev.lb.balancer.proxy.ProxyHandler;
import dev.lb.balancer.proxy.RequestIds;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.select.SelectionStrategy;
import dev.lb.balancer.select.Strategies;
import dev.lb.balancer.select.TrafficPolicy;
import dev.lb.balancer.server.ClientReadTimeout;
import dev.lb.balancer.server.ExchangeTracker;
import dev.lb.balancer.server.HttpServers;
import dev.lb.balancer.server.RequestHeadTimeout;
import dev.lb.balancer.server.InterruptWatchdog;
import dev.lb.balancer.util.Timers;
import dev.lb.balancer.server.WorkerExecutors;
import dev.lb.balancer.upstream.BackendClient;
import dev.lb.balancer.tls.CertificateStore;
import dev.lb.balancer.tls.TlsEndpoint;
import dev.lb.balancer.tls.TlsException;
import dev.lb.balancer.util.LocalPorts;
import dev.lb.balancer.util.OpenFiles;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One running load balancer: wires the pool, health checker, selection strategy and proxy server from
 * a config, and owns their start and stop. Everything it starts, it stops.
 */
public final class Balancer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Balancer.class.getName());
    /** Beyond the check timeout, for the checks' threads to be scheduled and report on a busy machine. */
    private static final Duration FIRST_ROUND_SLACK = Duration.ofMillis(500);

    static {
        // Jetty's jar on the class path registers its provider as a service; the config chooses instead.
        // (Main sets the same first thing; this covers a balancer embedded in another program.)
        HttpServers.preferJdkProvider();
    }

    /** The config the balancer started with; {@link #config()} is the one in effect after reloads. */
    private final BalancerConfig config;
    private final Clock clock;
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    /** Holds requests back while every backend is at its maxConnections; shared by proxy, admin and reloads. */
    private final RequestQueue queue;
    private final HealthChecker healthChecker;
    /** Ejects backends answering 5xx in a row; hears every attempt's status. */
    private final PassiveHealth passiveHealth;
    private final BackendClient backendClient;
    private final ExchangeTracker exchanges = new ExchangeTracker();
    private final RuntimeControl control;
    /** Everything opened so far; start pushes onto it, a failed start and stop unwind it. */
    private final Lifecycle parts = new Lifecycle();
    /** The one timer service: deadlines, sweeps and delayed control steps of every part run on it. */
    private final Timers timers = new Timers();
    /** How long the proxy may drain when it is closed: set by {@link #stop}, zero for a failed start. */
    private Duration drainBudget = Duration.ZERO;
    private HttpServer server;
    /** The config's {@code server} as resolved for this JVM at start ({@code "auto"} becomes a real one). */
    private ServerKind serverKind;
    private MetricsServer metricsServer;
    /** The status page on the metrics listener; null without metrics. */
    private StatusPage statusPage;
    private Instant startedAt;
    private AdminServer admin;
    /** The proxy port's certificate, when it serves HTTPS; set once by start. */
    private volatile CertificateStore certificates;
    /** The access log, when the config has one; set once by start. */
    private volatile AccessLogWriter accessLog;
    /** Membership sources (DNS, etcd); none until start. */
    private volatile Discovery discovery = Discovery.none();
    /** The fleet sharing fleet-wide admin changes through etcd; null without discovery.etcd. */
    private volatile Fleet fleet;

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
        this.strategy = Strategies.forAlgorithm(config.algorithm(), pool, config.hash());
        this.queue = new RequestQueue(pool, strategy, config.queue());
        queue.policy(TrafficPolicy.of(config));
        pool.addListener(queue);
        this.healthChecker = new HealthChecker(pool, config.healthCheck(), clock, timers);
        this.passiveHealth = new PassiveHealth(pool, () -> queue.policy().passiveHealth(), clock, timers);
        this.backendClient = BackendClient.create(config.timeouts(), config.backendClient(), timers);
        this.control = new RuntimeControl(pool, healthChecker, backendClient, queue, config, configPath, clock, timers);
        // Made here, not in start: their threads are the balancer's from now on, so stop (or close
        // without start) ends them too. The timers go last, after every part that schedules on them.
        parts.push("timers", timers::close);
        parts.push("backend client", backendClient::close);
        parts.push("health checker", healthChecker::close);
        parts.push("ejection timer", passiveHealth::close);
        parts.push("runtime control", control::close);
        pool.addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
                logHealthChange(event);
            }

            @Override
            public void onAdminChange(AdminEvent event) {
                logAdminChange(event);
            }

            @Override
            public void onOutlier(OutlierEvent event) {
                logOutlier(event);
            }

            @Override
            public void onReload(ReloadOutcome outcome) {
                // A reload (SIGHUP, lbctl reload) is also when rotated files are picked up.
                reopenLogs();
                CertificateStore store = certificates;
                if (store != null) {
                    store.reload(outcome.actor() + " reload");
                }
            }
        });
    }

    /**
     * Starts health checking, waits for the first round of checks (at most the check timeout), then
     * opens the proxy port and the admin API.
     *
     * @throws StartupException when a port cannot be bound or a setting cannot be honoured; everything
     *                          this balancer had opened is closed again, and it cannot be started again
     */
    public synchronized Balancer start() throws StartupException {
        try {
            startParts();
        } catch (StartupException | RuntimeException e) {
            parts.unwind();
            throw e;
        }
        return this;
    }

    private void startParts() throws StartupException {
        AdminServer.checkExposure(config.adminHost(), config.adminSecurity());
        startDiscovery();
        WorkerExecutors.Created created;
        try {
            serverKind = config.server().resolve(Runtime.version().feature());
            if (config.tls().enabled()) {
                // HTTPS is served by the JDK's HttpsServer whatever "server" says (HttpServers.createHttps).
                serverKind = ServerKind.JDK;
            }
            created = WorkerExecutors.create(HttpServers.executorFor(serverKind, config.executor()), config.workerThreads());
        } catch (IllegalStateException e) {
            throw new StartupException(e.getMessage());
        }
        ExecutorService workers = created.executor();
        parts.push("proxy workers", () -> {
            workers.shutdownNow();
            workers.awaitTermination(1, TimeUnit.SECONDS);
        });
        // One watchdog for both client-side clocks, swept often enough for the shorter of the two.
        Duration shorter = config.timeouts().requestHead().compareTo(config.timeouts().requestBodyIdle()) < 0
                ? config.timeouts().requestHead() : config.timeouts().requestBodyIdle();
        InterruptWatchdog watchdog = new InterruptWatchdog(timers, InterruptWatchdog.periodFor(shorter));
        parts.push("client read watchdog", watchdog::close);
        RequestHeadTimeout headTimeout = new RequestHeadTimeout(config.timeouts().requestHead(), watchdog);
        ClientReadTimeout bodyTimeout = new ClientReadTimeout(config.timeouts().requestBodyIdle(), watchdog);
        ProxyHandler proxy = new ProxyHandler(pool, queue, backendClient, config.retries(),
                bodyTimeout, exchanges::draining);
        proxy.observe(passiveHealth);
        proxy.retryBudget(control.retryBudget());
        proxy.requestIds(new RequestIds(config.requestIdHeader()));
        HttpsConfigurator tls = config.tls().enabled() ? startTls() : null;
        if (config.accessLog().enabled()) {
            startAccessLog(proxy);
        }
        if (config.metrics().enabled()) {
            startMetrics(proxy);
        }
        healthChecker.start();
        awaitFirstChecks();
        server = listen(new InetSocketAddress(config.host(), config.port()), tls);
        HttpServer listening = server;
        // Stops a server whose start did not finish; after a start, the drain below has stopped it.
        parts.push("proxy listener", () -> {
            if (!exchanges.draining()) {
                listening.stop(0);
            }
        });
        if (HttpServers.runsConnectionPerTask(server)) {
            server.setExecutor(headTimeout.wrapConnections(workers));
        } else if (HttpServers.usesGivenExecutor(server)) {
            server.setExecutor(headTimeout.wrap(workers));
        }
        server.createContext("/", headTimeout.wrap(exchanges.wrap(proxy)));
        server.start();
        startedAt = clock.instant();
        StatusReader reader = new StatusReader(pool, queue, facts(), control::reloadsOnSighup, clock,
                () -> discovery.statuses())
                .edge(new EdgeStatus(certificates, accessLog));
        if (fleet != null) {
            reader.fleet(fleet::view);
        }
        if (statusPage != null) {
            statusPage.attach(reader);
        }
        admin = AdminServer.start(config.adminHost(), config.adminPort(), pool, reader, control, clock,
                config.adminSecurity(), fleet, timers);
        parts.push("admin API", () -> {
            admin.close();
            admin = null;
        });
        if (fleet != null) {
            // Registered once the admin port is known: it names this balancer in the fleet.
            fleet.start(FleetInstance.id(admin.port()));
        }
        // Last in, so first out: requests in flight finish while the admin API and metrics still answer.
        parts.push("proxy drain", () -> drain(listening));
        LOG.log(System.Logger.Level.INFO, "listening on {0}:{1,number,#} ({2}, {3}, {4}); backends: {5}",
                config.host(), port(), strategy.name(), HttpServers.describe(server, created.description()), openFilesNote(),
                pool.all().stream().map(Backend::toString).collect(Collectors.joining(", ")));
        warnIfFewOpenFiles();
    }

    /** Loads the certificate before anything listens: a pair that cannot be served is a start-up error. */
    private HttpsConfigurator startTls() throws StartupException {
        try {
            certificates = CertificateStore.load(config.tls(), clock);
            HttpsConfigurator configurator = TlsEndpoint.configurator(certificates);
            CertificateStore loaded = certificates;
            parts.push("certificate watch", loaded::close);
            loaded.watch(timers);
            return configurator;
        } catch (TlsException e) {
            throw new StartupException(e.getMessage());
        }
    }

    /** The certificate served on the proxy port, when it serves HTTPS. */
    public java.util.Optional<CertificateStore> certificates() {
        return java.util.Optional.ofNullable(certificates);
    }

    private HttpServer listen(InetSocketAddress address, HttpsConfigurator tls) throws StartupException {
        String where = "cannot listen on " + config.host() + ":" + config.port();
        // Asked first: the JDK server keeps the descriptor of a channel whose bind failed.
        switch (LocalPorts.check(config.host(), config.port())) {
            case NO_SUCH_ADDRESS -> throw new StartupException(where + ": no such local address (change \"host\" in the config)");
            case IN_USE -> throw inUse(where);
            case FREE -> {
            }
        }
        try {
            if (tls != null) {
                return HttpServers.createHttps(address, 1024, tls);
            }
            return HttpServers.create(serverKind, address, 1024, config.timeouts(), config.workerThreads());
        } catch (BindException e) {
            throw inUse(where);
        } catch (IOException e) {
            throw new StartupException(where + ": " + e.getMessage());
        }
    }

    private static StartupException inUse(String where) {
        return new StartupException(where + ": port already in use (stop the other process or change \"port\" in the config)");
    }

    /**
     * Holds the proxy port closed until every backend's first check answered, so the first requests
     * are not turned away with 503 while the checks are still on their way.
     */
    private void awaitFirstChecks() {
        Duration limit = config.healthCheck().timeout().plus(FIRST_ROUND_SLACK);
        try {
            List<Backend> unanswered = FirstCheckRound.await(pool, limit);
            if (!unanswered.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "opening the proxy port before the first health check of {0} answered (waited {1} ms)",
                        unanswered.stream().map(Backend::toString).collect(Collectors.joining(", ")), limit.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String openFilesNote() {
        return OpenFiles.limit().stream().mapToObj(limit -> "open files limit " + limit).findFirst()
                .orElse("open files limit unknown");
    }

    private static void warnIfFewOpenFiles() {
        OpenFiles.limit().stream().filter(OpenFiles::low).forEach(limit -> LOG.log(System.Logger.Level.WARNING,
                "open files limited to {0,number,#}, so at most about {1,number,#} client connections; "
                        + "raise the hard limit (ulimit -Hn as root, or LimitNOFILE=65536 in a systemd unit)",
                limit, limit / 2));
    }

    /** Opens the access log before the port: a log that cannot be written is a start-up error. */
    private void startAccessLog(ProxyHandler proxy) throws StartupException {
        try {
            accessLog = AccessLogWriter.open(config.accessLog());
        } catch (IOException e) {
            throw new StartupException(e.getMessage() + " (fix the path or its permissions)");
        }
        AccessLogWriter opened = accessLog;
        // Pushed before the proxy: it closes after the last request was drained and logged.
        parts.push("access log", opened::close);
        proxy.accessLog(opened);
    }

    /**
     * Opens the access log's file again by its path, for logrotate (SIGUSR1, as nginx; a reload does it
     * too). Lines go on being queued meanwhile.
     */
    public void reopenLogs() {
        AccessLogWriter log = accessLog;
        if (log != null) {
            log.reopen();
        }
    }

    /** Starts asking the DNS names and etcd the config names; their backends join as answers come. */
    private void startDiscovery() throws StartupException {
        try {
            discovery = Discovery.start(config, control, pool, clock, timers);
        } catch (DiscoveryException e) {
            throw new StartupException(e.getMessage());
        }
        parts.push("discovery", discovery::close);
        if (config.etcd().enabled()) {
            Fleet created = Fleet.create(config.etcd(), control, pool, timers);
            fleet = created;
            parts.push("fleet", created::close);
        }
    }

    /** The fleet that fleet-wide admin changes go to, when the config has discovery.etcd. */
    public java.util.Optional<Fleet> fleet() {
        return java.util.Optional.ofNullable(fleet);
    }

    /** The membership sources and their state. */
    public Discovery discovery() {
        return discovery;
    }

    private void startMetrics(ProxyHandler proxy) throws StartupException {
        BalancerMetrics metrics = new BalancerMetrics(pool, queue);
        DiscoveryMetrics.register(metrics.registry(), discovery);
        if (accessLog != null) {
            EdgeMetrics.accessLog(metrics.registry(), accessLog);
        }
        if (certificates != null) {
            EdgeMetrics.certificate(metrics.registry(), certificates);
        }
        EdgeMetrics.upgrades(metrics.registry(), proxy::upgradeRequests);
        StatusPage page = new StatusPage(pool, metrics, clock, timers);
        parts.push("status page sampler", page::close);
        HttpsConfigurator https = config.metrics().tls().isPresent() ? startMetricsTls(config.metrics().tls().get()) : null;
        metricsServer = MetricsServer.start(config.metrics(), metrics.registry(), page, StatusPage.threadsNeeded(), https);
        parts.push("metrics server", () -> {
            metricsServer.close();
            metricsServer = null;
        });
        // Unwound before the listener stops: browsers' streams end cleanly and free their threads.
        statusPage = page;
        parts.push("status page streams", () -> {
            page.close();
            statusPage = null;
        });
        proxy.observe(both(passiveHealth, metrics));
        LOG.log(System.Logger.Level.INFO, "metrics on {2}://{0}:{1,number,#}/metrics, status page on {2}://{0}:{1,number,#}/",
                config.metrics().host(), metricsServer.port(), https == null ? "http" : "https");
    }

    /**
     * Loads {@code metricsTls} before the metrics listener binds; its certificate and key reload as the
     * proxy's do, on their own watch.
     */
    private HttpsConfigurator startMetricsTls(MetricsTlsConfig tls) throws StartupException {
        try {
            CertificateStore store = CertificateStore.load(
                    new TlsConfig(true, tls.certificateFile(), tls.privateKeyFile(), tls.reloadInterval()), clock);
            parts.push("metrics certificate watch", store::close);
            store.watch(timers);
            return TlsEndpoint.configurator(store, tls.clientCaFile());
        } catch (TlsException e) {
            // The loader names the proxy's "tls" fields; these are metricsTls's.
            throw new StartupException(e.getMessage().replaceFirst("^tls\\.", "metricsTls."));
        }
    }

    /** Tells {@code first}, then {@code second}, of each exchange. */
    private static ExchangeObserver both(ExchangeObserver first, ExchangeObserver second) {
        return new ExchangeObserver() {
            @Override
            public void attemptEnded(Backend backend, int status, long startNanos) {
                first.attemptEnded(backend, status, startNanos);
                second.attemptEnded(backend, status, startNanos);
            }

            @Override
            public void exchangeEnded(int status, long startNanos) {
                first.exchangeEnded(status, startNanos);
                second.exchangeEnded(status, startNanos);
            }

            @Override
            public void retried(Backend from, RetryPolicy.Decision how) {
                first.retried(from, how);
                second.retried(from, how);
            }

            @Override
            public void retryRefused(Backend from) {
                first.retryRefused(from);
                second.retryRefused(from);
            }
        };
    }

    /** Ejection of backends answering 5xx in a row. */
    public PassiveHealth passiveHealth() {
        return passiveHealth;
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

    /** Requests waiting for a backend below its maxConnections. */
    public RequestQueue queue() {
        return queue;
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
        drainBudget = drain;
        parts.unwind();
    }

    /**
     * Stops accepting and waits for the requests in flight, up to the drain budget; on a failed start
     * nothing waits. The JDK server drops what is left when it stops.
     */
    private void drain(HttpServer stopping) {
        Duration budget = drainBudget;
        exchanges.startDraining();
        // HttpServer.stop closes the listening socket at once, then waits for exchanges; on Java 17 it
        // waits the whole delay even when none is left, so it runs on a thread of its own and is cut
        // short below once this balancer's own count says the server is idle.
        Thread closer = new Thread(() -> stopping.stop((int) Math.ceil(budget.toMillis() / 1000.0) + 1),
                "http-server-stop");
        closer.setDaemon(true);
        closer.start();
        boolean drained = true;
        try {
            drained = exchanges.awaitIdle(budget);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!drained && !budget.isZero()) {
            LOG.log(System.Logger.Level.WARNING, "drain timeout of {0} ms reached; closing {1} requests still in flight",
                    budget.toMillis(), exchanges.inFlight());
        }
        stopping.stop(0);
        try {
            closer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }

    private static void logHealthChange(HealthEvent event) {
        LOG.log(System.Logger.Level.INFO, "backend {0} is {1} ({2})", event.backend(), event.to(), event.reason());
    }

    private static void logOutlier(OutlierEvent event) {
        String what = switch (event.kind()) {
            case EJECTED -> "ejected for " + event.ejection().toMillis() + " ms";
            case RETURNED -> "back in rotation on probation";
            case READMITTED -> "re-admitted";
            case ENDED -> "no longer ejected";
        };
        LOG.log(event.kind() == OutlierEvent.Kind.EJECTED ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "backend {0} {1} ({2})", event.backend(), what, event.reason());
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
