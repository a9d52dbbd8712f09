package dev.lb.balancer.control;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.config.BackendUrls;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.proxy.RetryBudget;
import dev.lb.balancer.upstream.BackendClient;
import dev.lb.balancer.util.ControlContext;
import dev.lb.balancer.util.Timers;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Changes a running balancer, as HAProxy's runtime API does: drain, disable (maintenance), enable,
 * weight, add, remove, and reload of the config file. Each change is all or nothing: a refused one
 * throws {@link ControlException} and changes nothing. Every change is published to the pool's
 * listeners. Runtime changes last until the next reload or restart, which apply the config file as
 * written.
 *
 * <p>Backends are named by their URL as the config writes it or by their {@code name}. Every change
 * runs in the pool's {@link ControlContext}, the one place health, admin and membership changes are
 * made, so they are serialised with health checks, drains ending and discovery answers, and their
 * events go out in the order decided. Request threads never wait on it.
 */
public final class RuntimeControl implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RuntimeControl.class.getName());
    /** Who made a change, when the caller does not say. */
    public static final String DEFAULT_ACTOR = "admin";
    static final int MAX_WEIGHT = 1000;

    private final BackendPool pool;
    private final HealthChecker healthChecker;
    private final Membership membership;
    private final Reloader reloader;
    private final RetryBudget retryBudget;
    private final Path configPath;
    private final Clock clock;
    private final ControlContext control;
    /** The timer service this object made because none was given; null when it was given one. */
    private final Timers ownTimers;
    /** Written in the control context; read by anyone. */
    private volatile BalancerConfig config;
    /** Whether SIGHUP reaches {@link #reload(String)}; set once by {@link ReloadSignal}, read by status. */
    private volatile boolean reloadsOnSighup;
    /** Each discovery source's answer applied last; only touched in the control context. */
    private final Map<BackendSource, List<ServerConfig>> answers = new HashMap<>();

    /**
     * @param config     the config in effect now
     * @param configPath the file {@link #reload()} reads; null when the balancer was not started from a file
     */
    public RuntimeControl(BackendPool pool, HealthChecker healthChecker, BackendClient backendClient,
                          RequestQueue queue, BalancerConfig config, Path configPath, Clock clock) {
        this(pool, healthChecker, backendClient, queue, config, configPath, clock, null);
    }

    /**
     * @param timers the timer service for drain timeouts; null to own one (closed by {@link #close()})
     */
    public RuntimeControl(BackendPool pool, HealthChecker healthChecker, BackendClient backendClient,
                          RequestQueue queue, BalancerConfig config, Path configPath, Clock clock, Timers timers) {
        this.pool = pool;
        this.healthChecker = healthChecker;
        this.config = config;
        this.configPath = configPath;
        this.clock = clock;
        this.control = pool.control();
        this.ownTimers = timers == null ? new Timers() : null;
        this.membership = new Membership(pool, healthChecker, () -> this.config.drainTimeout(),
                timers == null ? ownTimers : timers);
        this.retryBudget = new RetryBudget(config.retryBudget());
        this.reloader = new Reloader(pool, healthChecker, backendClient, queue, membership, retryBudget);
    }

    /** The retry budget the proxy draws on; a reload applies the file's {@code retryBudget} to it. */
    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** The config in effect: the file as last loaded, with settings that need a restart as started. */
    public BalancerConfig config() {
        return config;
    }

    /** Whether a SIGHUP to this process reloads the config; false under nohup or when nothing installed it. */
    public boolean reloadsOnSighup() {
        return reloadsOnSighup;
    }

    void reloadsOnSighup(boolean installed) {
        reloadsOnSighup = installed;
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
    public Drain drain(String backend, String actor) throws ControlException {
        return control.call(() -> {
            Backend b = changeable(backend);
            if (b.adminState() == AdminState.MAINTENANCE) {
                throw new ControlException(ControlException.Kind.CONFLICT, "backend " + b + " is in maintenance, already out of rotation with nothing in flight; enable it first");
            }
            return pool.adminState(b, AdminState.DRAINING, actor).orElseThrow();
        });
    }

    public void disable(String backend) throws ControlException {
        disable(backend, DEFAULT_ACTOR);
    }

    /** Maintenance: out of rotation at once (requests in flight still finish) and health checks paused. */
    public void disable(String backend, String actor) throws ControlException {
        control.call(() -> {
            Backend b = changeable(backend);
            healthChecker.unwatch(b);
            pool.adminState(b, AdminState.MAINTENANCE, actor);
            return null;
        });
    }

    public void enable(String backend) throws ControlException {
        enable(backend, DEFAULT_ACTOR);
    }

    /**
     * Back to normal. From maintenance, health checks resume at once and the backend returns to
     * rotation as soon as one passes; from draining, it is in rotation again at once if healthy. An
     * ejection for bad answers, or the probation after one, ends at once.
     */
    public void enable(String backend, String actor) throws ControlException {
        control.call(() -> {
            Backend b = changeable(backend);
            membership.makeReady(b, actor);
            // An operator who says "enable" means in rotation now: an ejection for bad answers ends too.
            pool.endEjection(b, actor);
            return null;
        });
    }

    public void setWeight(String backend, int weight) throws ControlException {
        setWeight(backend, weight, DEFAULT_ACTOR);
    }

    /** Sets the backend's share of new work; 0 means no new work (requests in flight finish). */
    public void setWeight(String backend, int weight, String actor) throws ControlException {
        checkWeight(weight);
        control.call(() -> {
            pool.weight(changeable(backend), weight, actor);
            return null;
        });
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
    public Backend add(String url, int weight, String name, String actor) throws ControlException {
        URI uri;
        try {
            uri = BackendUrls.parse(Objects.requireNonNull(url, "url"));
        } catch (IllegalArgumentException e) {
            throw new ControlException(ControlException.Kind.INVALID, "bad backend URL: " + e.getMessage());
        }
        checkWeight(weight);
        if (name != null && !name.isEmpty() && name.isBlank()) {
            throw new ControlException(ControlException.Kind.INVALID, "backend name is blank; leave it out or give a short name");
        }
        String effectiveName = name == null || name.isEmpty() ? uri.toString() : name.strip();
        return control.call(() -> {
            for (Backend existing : pool.all()) {
                if (existing.url().equals(uri) || existing.name().equals(effectiveName)
                        || existing.name().equals(uri.toString()) || existing.url().toString().equals(effectiveName)) {
                    String removing = membership.removing(existing) ? " (being removed; wait until it is gone)" : "";
                    throw new ControlException(ControlException.Kind.ALREADY_EXISTS, "backend " + existing + " is already in the pool" + removing);
                }
            }
            Backend backend = new Backend(new ServerConfig(uri, effectiveName, weight, false), BackendSource.ADMIN);
            membership.join(backend, actor);
            return backend;
        });
    }

    public Removal remove(String backend) throws ControlException {
        return remove(backend, DEFAULT_ACTOR);
    }

    /**
     * Drains the backend, then drops it from the pool. If its requests take longer than the config's
     * drain timeout, it is dropped anyway (those requests still finish). Removing a backend that is
     * already being removed returns that removal.
     */
    public Removal remove(String backend, String actor) throws ControlException {
        return control.call(() -> {
            Backend b = find(backend);
            Removal running = membership.removal(b);
            return running != null ? running : membership.startRemoval(b, actor);
        });
    }

    // --- discovery -----------------------------------------------------------------------------

    /**
     * Brings the backends of one discovery source to its latest answer, through the same steps as add
     * and remove: a new backend joins DOWN and is checked at once, one no longer named drains and then
     * leaves, a changed weight applies. Backends of other sources are left alone; an answer naming a URL
     * or name that another backend already holds skips that entry (the first holder keeps it). Admin
     * states an operator set on a discovered backend stay, and so does a weight, until the source itself
     * gives that backend another one. A backend named again while it drains out joins anew once it has
     * left, if the source still names it then.
     *
     * @return one line per change, for the log; empty when the pool already matched
     */
    public List<String> follow(BackendSource source, List<ServerConfig> answer, String actor) {
        return control.call(() -> applyAnswer(source, answer, actor));
    }

    /** {@link #follow}, in the control context. */
    private List<String> applyAnswer(BackendSource source, List<ServerConfig> answer, String actor) {
        List<ServerConfig> previous = answers.getOrDefault(source, List.of());
        answers.put(source, List.copyOf(answer));
        var previousWeights = previous.stream().collect(Collectors.toMap(ServerConfig::url, ServerConfig::weight, (a, b) -> a));
        List<String> changes = new ArrayList<>();
        var wanted = answer.stream().map(ServerConfig::url).collect(Collectors.toSet());
        for (Backend b : pool.all()) {
            if (b.source().equals(source) && !wanted.contains(b.url()) && !membership.removing(b)) {
                changes.add("removing " + b + " (draining " + b.inFlight() + " in flight)");
                membership.startRemoval(b, actor);
            }
        }
        for (ServerConfig server : answer) {
            Optional<Backend> holder = pool.all().stream()
                    .filter(b -> b.url().equals(server.url()) || b.name().equals(server.name())).findFirst();
            if (holder.isEmpty()) {
                membership.join(new Backend(new ServerConfig(server.url(), server.name(), server.weight(), false,
                        server.maxConnections()), source), actor);
                changes.add("added " + server.name() + " (weight " + server.weight() + ")");
            } else if (!holder.get().source().equals(source) || !holder.get().url().equals(server.url())) {
                continue; // another source's, the file's or an operator's backend: the first holder keeps it
            } else if (membership.removing(holder.get())) {
                changes.add(server.name() + " is named again while it drains out; it joins again once it has left");
                membership.removal(holder.get()).removed().thenRun(() -> control.run(() -> rejoin(source, server.url(), actor)));
            } else if (holder.get().weight() != server.weight()
                    && !Objects.equals(previousWeights.get(server.url()), server.weight())) {
                changes.add("weight of " + holder.get().name() + " " + holder.get().weight() + " -> " + server.weight());
                pool.weight(holder.get(), server.weight(), actor);
            }
        }
        return changes;
    }

    /** After a removal: the backend joins again if its source's latest answer still names it. In the control context. */
    private void rejoin(BackendSource source, URI url, String actor) {
        answers.getOrDefault(source, List.of()).stream()
                .filter(server -> server.url().equals(url))
                .filter(server -> pool.all().stream().noneMatch(b -> b.url().equals(url) || b.name().equals(server.name())))
                .findFirst()
                .ifPresent(server -> membership.join(new Backend(new ServerConfig(server.url(), server.name(),
                        server.weight(), false, server.maxConnections()), source), actor));
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
    public ReloadOutcome reload(String actor) {
        String source = configPath == null ? "(no config file)" : configPath.toString();
        if (configPath == null) {
            return reported(ReloadOutcome.rejected(source, "the balancer was not started from a config file", actor, clock.instant()), actor);
        }
        BalancerConfig next;
        try {
            // Read outside the control context: a task there must not wait on the disk.
            next = ConfigLoader.load(configPath);
        } catch (ConfigException e) {
            return reported(ReloadOutcome.rejected(source, e.getMessage(), actor, clock.instant()), actor);
        }
        return control.call(() -> {
            Reloader.Applied applied = reloader.apply(config, next, actor + " reload");
            config = applied.config();
            return reported(new ReloadOutcome(true, source, applied.changes(), applied.needsRestart(), "", actor, clock.instant()), actor);
        });
    }

    /** Logs the outcome and publishes it after the changes it made. */
    private ReloadOutcome reported(ReloadOutcome outcome, String actor) {
        LOG.log(outcome.applied() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "{0} (by {1})", outcome.summary(), actor);
        pool.publishReload(outcome);
        return outcome;
    }

    /**
     * The backend an operator names, by name or URL (however the URL is spelt).
     *
     * @throws ControlException NOT_FOUND when there is none, INVALID when the name is empty
     */
    public Backend backend(String name) throws ControlException {
        return find(name);
    }

    /** A backend that an operator may change: known and not on its way out. */
    private Backend changeable(String name) throws ControlException {
        Backend b = find(name);
        if (membership.removing(b)) {
            throw new ControlException(ControlException.Kind.CONFLICT, "backend " + b + " is being removed");
        }
        return b;
    }

    private Backend find(String name) throws ControlException {
        if (name == null || name.isBlank()) {
            throw new ControlException(ControlException.Kind.INVALID, "no backend given; name one by its URL or name");
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
        return found.orElseThrow(() -> new ControlException(ControlException.Kind.NOT_FOUND, "unknown backend \"" + name + "\"; known: "
                + pool.all().stream().map(Backend::name).collect(Collectors.joining(", "))));
    }

    private static void checkWeight(int weight) throws ControlException {
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new ControlException(ControlException.Kind.INVALID, "weight " + weight + " is out of range; use 0 to " + MAX_WEIGHT + " (0 = no new work)");
        }
    }

    /** Calls off pending drain timeouts; removals still pending are left as they are. */
    @Override
    public void close() {
        membership.close();
        if (ownTimers != null) {
            ownTimers.close();
        }
    }
}
