package dev.lb.balancer.control;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.config.BackendUrls;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.proxy.BackendClient;
import dev.lb.balancer.util.NamedThreadFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Changes a running balancer, as HAProxy's runtime API does: drain, disable (maintenance), enable,
 * weight, add, remove, and reload of the config file. Each change is all or nothing: a refused one
 * throws {@link ControlException} and changes nothing. Every change is published to the pool's
 * listeners. Runtime changes last until the next reload or restart, which apply the config file as
 * written.
 *
 * <p>Backends are named by their URL as the config writes it or by their {@code name}. Methods are
 * serialised on this object (the management plane); request threads never take its lock.
 */
public final class RuntimeControl implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RuntimeControl.class.getName());
    /** Who made a change, when the caller does not say. */
    public static final String DEFAULT_ACTOR = "admin";
    static final int MAX_WEIGHT = 1000;

    private final BackendPool pool;
    private final HealthChecker healthChecker;
    private final BackendClient backendClient;
    private final Path configPath;
    private final Clock clock;
    private final ScheduledExecutorService deadlines;
    private final Map<Backend, Removal> removals = new ConcurrentHashMap<>();
    private volatile BalancerConfig config;

    /**
     * @param config     the config in effect now
     * @param configPath the file {@link #reload()} reads; null when the balancer was not started from a file
     */
    public RuntimeControl(BackendPool pool, HealthChecker healthChecker, BackendClient backendClient,
                          BalancerConfig config, Path configPath, Clock clock) {
        this.pool = pool;
        this.healthChecker = healthChecker;
        this.backendClient = backendClient;
        this.config = config;
        this.configPath = configPath;
        this.clock = clock;
        this.deadlines = Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("runtime-control", true));
    }

    /** The config in effect: the file as last loaded, with settings that need a restart as started. */
    public BalancerConfig config() {
        return config;
    }

    /** The file {@link #reload()} reads, if any. */
    public Optional<Path> configPath() {
        return Optional.ofNullable(configPath);
    }

    // --- backend state -------------------------------------------------------------------------

    public Drain drain(String backend) throws ControlException {
        return drain(backend, DEFAULT_ACTOR);
    }

    /**
     * Takes the backend out of rotation and lets its requests in flight finish. Observe the returned
     * drain to learn when none is left; draining a draining backend returns the running drain.
     */
    public synchronized Drain drain(String backend, String actor) throws ControlException {
        Backend b = changeable(backend);
        if (b.adminState() == AdminState.MAINTENANCE) {
            throw new ControlException("backend " + b + " is in maintenance, already out of rotation with nothing in flight; enable it first");
        }
        return pool.adminState(b, AdminState.DRAINING, actor).orElseThrow();
    }

    public void disable(String backend) throws ControlException {
        disable(backend, DEFAULT_ACTOR);
    }

    /** Maintenance: out of rotation at once (requests in flight still finish) and health checks paused. */
    public synchronized void disable(String backend, String actor) throws ControlException {
        Backend b = changeable(backend);
        healthChecker.unwatch(b);
        pool.adminState(b, AdminState.MAINTENANCE, actor);
    }

    public void enable(String backend) throws ControlException {
        enable(backend, DEFAULT_ACTOR);
    }

    /**
     * Back to normal. From maintenance, health checks resume at once and the backend returns to
     * rotation as soon as one passes; from draining, it is in rotation again at once if healthy.
     */
    public synchronized void enable(String backend, String actor) throws ControlException {
        Backend b = changeable(backend);
        makeReady(b, actor);
    }

    public void setWeight(String backend, int weight) throws ControlException {
        setWeight(backend, weight, DEFAULT_ACTOR);
    }

    /** Sets the backend's share of new work; 0 means no new work (requests in flight finish). */
    public synchronized void setWeight(String backend, int weight, String actor) throws ControlException {
        checkWeight(weight);
        pool.weight(changeable(backend), weight, actor);
    }

    // --- membership ----------------------------------------------------------------------------

    public Backend add(String url, int weight, String name) throws ControlException {
        return add(url, weight, name, DEFAULT_ACTOR);
    }

    /**
     * Adds a backend. It starts DOWN and is health-checked at once; it gets traffic after a passing
     * check.
     *
     * @param name optional short name; null or empty to be known by the URL
     */
    public synchronized Backend add(String url, int weight, String name, String actor) throws ControlException {
        URI uri;
        try {
            uri = BackendUrls.parse(Objects.requireNonNull(url, "url"));
        } catch (IllegalArgumentException e) {
            throw new ControlException("bad backend URL: " + e.getMessage());
        }
        checkWeight(weight);
        if (name != null && !name.isEmpty() && name.isBlank()) {
            throw new ControlException("backend name is blank; leave it out or give a short name");
        }
        String effectiveName = name == null || name.isEmpty() ? uri.toString() : name.strip();
        for (Backend existing : pool.all()) {
            if (existing.url().equals(uri) || existing.name().equals(effectiveName)
                    || existing.name().equals(uri.toString()) || existing.url().toString().equals(effectiveName)) {
                String removing = removals.containsKey(existing) ? " (being removed; wait until it is gone)" : "";
                throw new ControlException("backend " + existing + " is already in the pool" + removing);
            }
        }
        Backend backend = new Backend(new ServerConfig(uri, effectiveName, weight, false));
        join(backend, actor);
        return backend;
    }

    public Removal remove(String backend) throws ControlException {
        return remove(backend, DEFAULT_ACTOR);
    }

    /**
     * Drains the backend, then drops it from the pool. If its requests take longer than the config's
     * drain timeout, it is dropped anyway (those requests still finish). Removing a backend that is
     * already being removed returns that removal.
     */
    public synchronized Removal remove(String backend, String actor) throws ControlException {
        Backend b = find(backend);
        Removal running = removals.get(b);
        return running != null ? running : startRemoval(b, actor);
    }

    // --- reload --------------------------------------------------------------------------------

    public ReloadOutcome reload() {
        return reload(DEFAULT_ACTOR);
    }

    /**
     * Re-reads the config file the balancer was started with. An invalid file changes nothing and is
     * reported in the outcome (and logged in one line); a valid one is applied without dropping a
     * request: new backends are checked then join, removed ones drain then leave, health-check and
     * timeout settings take effect, weights and admin states return to what the file says, and
     * settings that need a restart are listed as such.
     */
    public synchronized ReloadOutcome reload(String actor) {
        String source = configPath == null ? "(no config file)" : configPath.toString();
        ReloadOutcome outcome;
        if (configPath == null) {
            outcome = ReloadOutcome.rejected(source, "the balancer was not started from a config file", clock.instant());
        } else {
            try {
                outcome = apply(ConfigLoader.load(configPath), actor);
            } catch (ConfigException e) {
                outcome = ReloadOutcome.rejected(source, e.getMessage(), clock.instant());
            }
        }
        LOG.log(outcome.applied() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "{0} (by {1})", outcome.summary(), actor);
        pool.publishReload(outcome);
        return outcome;
    }

    private ReloadOutcome apply(BalancerConfig next, String actor) {
        BalancerConfig current = config;
        List<String> changes = new ArrayList<>();
        String who = actor + " reload";
        Set<URI> wanted = next.servers().stream().map(ServerConfig::url).collect(Collectors.toSet());
        for (Backend b : pool.all()) {
            if (!wanted.contains(b.url()) && !removals.containsKey(b)) {
                startRemoval(b, who);
                changes.add("removing " + b + " (draining " + b.inFlight() + " in flight)");
            }
        }
        List<String> needsRestart = new ArrayList<>();
        for (ServerConfig server : next.servers()) {
            applyServer(server, who, changes, needsRestart);
        }
        if (!next.healthCheck().equals(current.healthCheck())) {
            pool.policy(new HealthPolicy(next.healthCheck().healthyThreshold(), next.healthCheck().unhealthyThreshold()));
            healthChecker.reconfigure(next.healthCheck());
            changes.add("health checks " + next.healthCheck());
        }
        if (!next.timeouts().equals(current.timeouts())) {
            backendClient.timeouts(next.timeouts());
            changes.add("timeouts connect " + next.timeouts().connect().toMillis() + " ms, read "
                    + next.timeouts().read().toMillis() + " ms");
        }
        if (!next.drainTimeout().equals(current.drainTimeout())) {
            changes.add("drainTimeoutMs " + current.drainTimeout().toMillis() + " -> " + next.drainTimeout().toMillis());
        }
        needsRestart.addAll(RestartOnly.changed(current, next));
        config = RestartOnly.keep(current, next);
        return new ReloadOutcome(true, configPath.toString(), changes, needsRestart, "", clock.instant());
    }

    /** Brings one backend of the new file to what the file says, adding it if it is new. */
    private void applyServer(ServerConfig server, String actor, List<String> changes, List<String> needsRestart) {
        Optional<Backend> found = pool.all().stream()
                .filter(b -> b.url().equals(server.url()) && !removals.containsKey(b)).findFirst();
        if (found.isEmpty()) {
            // A backend still draining out under the same URL or name makes way for the new one at once.
            pool.all().stream()
                    .filter(b -> b.url().equals(server.url()) || b.name().equals(server.name()))
                    .forEach(b -> pool.remove(b, actor));
            join(new Backend(new ServerConfig(server.url(), server.name(), server.weight(), false)), actor);
            changes.add("added " + server.name() + " (weight " + server.weight() + ")");
            return;
        }
        Backend b = found.get();
        if (!b.name().equals(server.name())) {
            needsRestart.add("name of " + server.url() + " \"" + b.name() + "\" -> \"" + server.name() + "\"");
        }
        if (b.weight() != server.weight()) {
            changes.add("weight of " + b.name() + " " + b.weight() + " -> " + server.weight());
            pool.weight(b, server.weight(), actor);
        }
        if (b.adminState() != AdminState.READY) {
            changes.add(b.name() + " " + b.adminState().label() + " -> ready");
            makeReady(b, actor);
        }
    }

    // --- shared steps --------------------------------------------------------------------------

    private void join(Backend backend, String actor) {
        pool.add(backend, actor);
        healthChecker.watch(backend);
    }

    private void makeReady(Backend b, String actor) {
        AdminState was = b.adminState();
        if (was == AdminState.MAINTENANCE) {
            pool.awaitCheck(b, "back from maintenance; waiting for a health check");
        }
        pool.adminState(b, AdminState.READY, actor);
        healthChecker.watch(b);
    }

    private Removal startRemoval(Backend b, String actor) {
        Drain drain = b.adminState() == AdminState.DRAINING
                ? b.drain()
                : pool.adminState(b, AdminState.DRAINING, actor).orElseThrow();
        CompletableFuture<Backend> removed = new CompletableFuture<>();
        Removal removal = new Removal(drain, removed);
        removals.put(b, removal);
        long timeoutMs = config.drainTimeout().toMillis();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            LOG.log(System.Logger.Level.WARNING, "backend {0} still has {1} in flight after {2} ms; removing it anyway",
                    b, b.inFlight(), timeoutMs);
            drop(b, actor, removed);
        }, timeoutMs, TimeUnit.MILLISECONDS);
        // Dropping takes the pool's lock: never do it on the request thread whose release ended the drain.
        drain.completion().whenCompleteAsync((d, failure) -> {
            deadline.cancel(false);
            drop(b, actor, removed);
        }, deadlines);
        return removal;
    }

    private void drop(Backend b, String actor, CompletableFuture<Backend> removed) {
        healthChecker.unwatch(b);
        pool.remove(b, actor);
        removals.remove(b);
        removed.complete(b);
    }

    /** A backend that an operator may change: known and not on its way out. */
    private Backend changeable(String name) throws ControlException {
        Backend b = find(name);
        if (removals.containsKey(b)) {
            throw new ControlException("backend " + b + " is being removed");
        }
        return b;
    }

    private Backend find(String name) throws ControlException {
        if (name == null || name.isBlank()) {
            throw new ControlException("no backend given; name one by its URL or name");
        }
        Optional<Backend> found = pool.find(name.strip());
        if (found.isEmpty()) {
            // Accept the URL however it is spelt (trailing slash, upper-case host).
            try {
                URI uri = BackendUrls.parse(name);
                found = pool.all().stream().filter(b -> b.url().equals(uri)).findFirst();
            } catch (IllegalArgumentException notAUrl) {
                // fall through to the error naming the known backends
            }
        }
        return found.orElseThrow(() -> new ControlException("unknown backend \"" + name + "\"; known: "
                + pool.all().stream().map(Backend::name).collect(Collectors.joining(", "))));
    }

    private static void checkWeight(int weight) throws ControlException {
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new ControlException("weight " + weight + " is out of range; use 0 to " + MAX_WEIGHT + " (0 = no new work)");
        }
    }

    /** Stops the drain-deadline thread; removals still pending are left as they are. */
    @Override
    public void close() {
        deadlines.shutdownNow();
    }
}
