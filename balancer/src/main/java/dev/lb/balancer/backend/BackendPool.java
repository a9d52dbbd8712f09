package dev.lb.balancer.backend;

import dev.lb.balancer.config.PassiveHealthConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The set of backends and who among them may take new requests. The pool owns health state, admin
 * state, weights and membership: checks, passive failures and admin changes are reported here, and
 * every change is published to listeners. Request threads read {@link #available()}, an immutable
 * snapshot replaced on every change, so choosing a backend takes no lock.
 */
public final class BackendPool {
    private final Clock clock;
    private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();
    private final Object stateLock = new Object();
    private volatile HealthPolicy policy;
    private volatile List<Backend> backends;
    private volatile List<Backend> available;
    private final ExchangeTotals totals = new ExchangeTotals();

    public BackendPool(List<Backend> backends, HealthPolicy policy, Clock clock) {
        this.backends = List.copyOf(backends);
        this.backends.forEach(b -> b.countInto(totals));
        this.policy = policy;
        this.clock = clock;
        this.available = computeAvailable();
    }

    /** The clock the pool stamps its changes with; slow start and ejections measure time by it. */
    public Clock clock() {
        return clock;
    }

    /** Every backend, in config order, runtime additions last; an immutable snapshot. */
    public List<Backend> all() {
        return backends;
    }

    /** Backends that may take a new request now: healthy, ready, not ejected and with a weight above 0. */
    public List<Backend> available() {
        return available;
    }

    /** The backend with this name or base URL, as the config writes it. */
    public Optional<Backend> find(String nameOrUrl) {
        return backends.stream()
                .filter(b -> b.name().equals(nameOrUrl) || b.url().toString().equals(nameOrUrl))
                .findFirst();
    }

    /** Exchange counts over every backend this pool ever had; they never go down. */
    public ExchangeTotals totals() {
        return totals;
    }

    public boolean contains(Backend backend) {
        return backends.contains(backend);
    }

    public void addListener(BackendListener listener) {
        listeners.add(listener);
    }

    public void removeListener(BackendListener listener) {
        listeners.remove(listener);
    }

    /** Replaces the health state machine's thresholds; later checks use the new ones. */
    public void policy(HealthPolicy policy) {
        this.policy = policy;
    }

    /**
     * Adds a backend. It joins rotation only when it is UP, so a backend created DOWN waits for a
     * passing health check.
     *
     * @throws IllegalArgumentException when a backend with the same URL or name is already in the pool
     */
    public void add(Backend backend, String actor) {
        AdminEvent event;
        synchronized (stateLock) {
            for (Backend existing : backends) {
                if (existing.url().equals(backend.url()) || existing.name().equals(backend.name())) {
                    throw new IllegalArgumentException("backend " + existing + " is already in the pool");
                }
            }
            backend.countInto(totals);
            List<Backend> next = new ArrayList<>(backends);
            next.add(backend);
            backends = List.copyOf(next);
            available = computeAvailable();
            event = adminEvent(backend, AdminEvent.Change.ADDED, "", "weight " + backend.weight(), actor);
        }
        publish(event);
    }

    /**
     * Drops a backend from the pool at once. Requests already sent to it finish normally; drain it
     * first to wait for them.
     *
     * @return false when the backend was not in the pool
     */
    public boolean remove(Backend backend, String actor) {
        AdminEvent event;
        synchronized (stateLock) {
            if (!backends.contains(backend)) {
                return false;
            }
            backends = backends.stream().filter(b -> b != backend).toList();
            available = computeAvailable();
            Drain drain = backend.drain();
            backend.drain(null);
            if (drain != null && !drain.isDone()) {
                drain.abandon("backend " + backend + " was removed before its drain finished");
            }
            event = adminEvent(backend, AdminEvent.Change.REMOVED, backend.adminState().label(), "", actor);
        }
        publish(event);
        return true;
    }

    /**
     * Moves a backend to {@code state}. Moving to DRAINING returns the drain (the one already running
     * when it was draining before); it may complete before this method returns when nothing is in
     * flight. Leaving DRAINING abandons the running drain.
     *
     * @return the drain when {@code state} is DRAINING, otherwise empty
     */
    public Optional<Drain> adminState(Backend backend, AdminState state, String actor) {
        AdminEvent event;
        Drain started = null;
        synchronized (stateLock) {
            AdminState current = backend.adminState();
            if (current == state) {
                return Optional.ofNullable(backend.drain());
            }
            Drain previous = backend.drain();
            if (state == AdminState.DRAINING) {
                started = new Drain(backend, clock.instant());
                started.announced(started.completion().thenAccept(this::drained));
                backend.drain(started);
            } else {
                backend.drain(null);
            }
            if (previous != null) {
                previous.abandon("backend " + backend + " was set " + state.label() + " before its drain finished");
            }
            backend.adminState(state);
            available = computeAvailable();
            event = adminEvent(backend, AdminEvent.Change.STATE, current.label(), state.label(), actor);
        }
        publish(event);
        if (started != null) {
            // Requests may all have finished already; the count's next change would never come.
            started.inFlightChanged(backend.inFlight());
        }
        return Optional.ofNullable(started);
    }

    /** Sets a backend's weight; 0 takes it out of rotation without draining anything in flight. */
    public void weight(Backend backend, int weight, String actor) {
        AdminEvent event;
        synchronized (stateLock) {
            int current = backend.weight();
            if (current == weight) {
                return;
            }
            backend.weight(weight);
            available = computeAvailable();
            event = adminEvent(backend, AdminEvent.Change.WEIGHT, Integer.toString(current), Integer.toString(weight), actor);
        }
        publish(event);
    }

    /**
     * Marks a backend DOWN until its next check, which then decides at once (as a first check does).
     * Used when it comes back from maintenance, where its last known health is stale.
     */
    public void awaitCheck(Backend backend, String reason) {
        HealthEvent event;
        synchronized (stateLock) {
            backend.resetChecks();
            event = transition(backend, HealthState.DOWN, reason);
        }
        publish(event);
    }

    /** Applies one active check result, changing state when the policy says so. */
    public void reportCheck(Backend backend, CheckResult result) {
        HealthEvent event;
        synchronized (stateLock) {
            if (backend.adminState() == AdminState.MAINTENANCE || !backends.contains(backend)) {
                return; // a check that was already running when checks were paused or the backend left
            }
            boolean first = backend.lastCheck() == null;
            backend.recordCheck(result);
            HealthState next = policy.next(backend.health(), first,
                    backend.consecutiveSuccesses(), backend.consecutiveFailures());
            event = transition(backend, next, result.detail());
            publish(event);
        }
    }

    /**
     * A request could not reach the backend at all (connection refused or reset before any byte went
     * out): take it out of rotation now instead of waiting for the next check. Active checks bring it
     * back.
     */
    public void reportUnreachable(Backend backend, String reason) {
        HealthEvent event;
        synchronized (stateLock) {
            backend.recordUnreachable(reason);
            event = transition(backend, HealthState.DOWN, reason + " (seen by a request)");
            publish(event);
        }
    }

    /**
     * Ejects a backend for bad answers, unless that would put more than {@code maxEjectionPercent} of
     * the pool out by ejection at once (a bad deploy answering 500 everywhere must not become "no
     * backend" for everyone). Each ejection in a row before a re-admission lasts twice the one before.
     *
     * @return false when it was not ejected: already ejected, gone from the pool, or the cap reached
     */
    public boolean eject(Backend backend, String reason, PassiveHealthConfig policy) {
        OutlierEvent event;
        synchronized (stateLock) {
            if (backend.ejected() || !backends.contains(backend)) {
                return false;
            }
            long out = backends.stream().filter(Backend::ejected).count();
            if ((out + 1) * 100 > (long) policy.maxEjectionPercent() * backends.size()) {
                return false;
            }
            Instant now = clock.instant();
            Duration length = policy.ejectionTime(backend.ejectionsInARow() + 1);
            backend.eject(now.plus(length), reason);
            available = computeAvailable();
            event = new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.EJECTED, reason, length, now);
            publish(event);
        }
        return true;
    }

    /**
     * Returns every backend whose ejection is over at {@code now} to rotation, on probation.
     *
     * @return when the next ejection still running ends; empty when none is
     */
    public Optional<Instant> returnEjected(Instant now) {
        synchronized (stateLock) {
            Instant next = null;
            List<Backend> returned = new ArrayList<>();
            for (Backend b : backends) {
                Instant until = b.ejectedUntil();
                if (until == null) {
                    continue;
                }
                if (!until.isAfter(now)) {
                    b.returnOnProbation();
                    returned.add(b);
                } else if (next == null || until.isBefore(next)) {
                    next = until;
                }
            }
            if (!returned.isEmpty()) {
                available = computeAvailable();
                for (Backend b : returned) {
                    publish(new OutlierEvent(b.name(), b.url().toString(), OutlierEvent.Kind.RETURNED,
                            "ejection over; on probation", Duration.ZERO, now));
                }
            }
            return Optional.ofNullable(next);
        }
    }

    /** A good answer from a backend on probation: fully re-admitted. */
    public void readmit(Backend backend, String reason) {
        synchronized (stateLock) {
            if (!backend.onProbation()) {
                return;
            }
            backend.readmit();
            publish(new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.READMITTED, reason,
                    Duration.ZERO, clock.instant()));
        }
    }

    /** An operator ends an ejection or probation at once (lbctl enable). */
    public void endEjection(Backend backend, String actor) {
        synchronized (stateLock) {
            if (!backend.ejected() && !backend.onProbation()) {
                return;
            }
            backend.readmit();
            available = computeAvailable();
            publish(new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.ENDED,
                    "ended by " + actor, Duration.ZERO, clock.instant()));
        }
    }

    /** Tells listeners about a config reload. */
    public void publishReload(ReloadOutcome outcome) {
        for (BackendListener listener : listeners) {
            listener.onReload(outcome);
        }
    }

    /** Tells listeners that a membership source started failing or answers again. */
    public void publishSource(SourceEvent event) {
        for (BackendListener listener : listeners) {
            listener.onSourceChange(event);
        }
    }

    private void drained(Drain drain) {
        Backend backend = drain.backend();
        publish(adminEvent(backend, AdminEvent.Change.DRAINED, "", "0 in flight", "drain"));
    }

    private HealthEvent transition(Backend backend, HealthState next, String reason) {
        HealthState current = backend.health();
        if (next == current) {
            return null;
        }
        backend.health(next);
        available = computeAvailable();
        HealthEvent event = new HealthEvent(backend.name(), backend.url().toString(), current, next, reason, clock.instant());
        backend.recordEvent(event);
        return event;
    }

    private AdminEvent adminEvent(Backend backend, AdminEvent.Change change, String from, String to, String actor) {
        return new AdminEvent(backend.name(), backend.url().toString(), change, from, to, actor, clock.instant());
    }

    /**
     * Called under the state lock, so listeners see changes in the order they were decided: a watcher
     * that applies events one by one ends at the pool's real state. Listeners never block, so holding the
     * lock here costs little.
     */
    private void publish(HealthEvent event) {
        if (event == null) {
            return;
        }
        for (BackendListener listener : listeners) {
            listener.onHealthChange(event);
        }
    }

    private void publish(OutlierEvent event) {
        for (BackendListener listener : listeners) {
            listener.onOutlier(event);
        }
    }

    private void publish(AdminEvent event) {
        for (BackendListener listener : listeners) {
            listener.onAdminChange(event);
        }
    }

    /**
     * The new rotation; backends entering it are stamped for slow start. Called under the state lock,
     * except from the constructor, where nothing "enters": the backends in rotation at start ramp
     * together, which is no ramp at all.
     */
    private List<Backend> computeAvailable() {
        List<Backend> next = backends.stream()
                .filter(b -> b.health() == HealthState.UP && b.adminState() == AdminState.READY && b.weight() > 0
                        && !b.ejected())
                .toList();
        List<Backend> before = available;
        if (before != null) {
            Instant now = null;
            for (Backend b : next) {
                if (!before.contains(b)) {
                    now = now == null ? clock.instant() : now;
                    b.enteredRotation(now);
                }
            }
        }
        return next;
    }
}
