package dev.lb.balancer.backend;

import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.util.ControlContext;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The set of backends and who among them may take new requests. The pool owns health state, admin
 * state, weights and membership: checks, passive failures and admin changes are reported here, and
 * every change is published to listeners. Request threads read {@link #snapshot()} (or
 * {@link #available()}), an immutable snapshot replaced on every change, so choosing a backend takes no
 * lock.
 *
 * <p>Concurrency: every change runs in the pool's {@link ControlContext}, one at a time, and publishes
 * its events from there, so listeners hear them in the order the changes were decided. No lock guards
 * the pool's state: only tasks of the context write it, and the snapshot is one volatile field. Changes
 * a request thread reports ({@link #reportUnreachable}, {@link #readmit}, a drain's end) are queued
 * without waiting; the others return once made.
 */
public final class BackendPool {
    private final Clock clock;
    private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();
    /** Where every change runs; see the class comment. */
    private final ControlContext control;
    private volatile HealthPolicy policy;
    /** Replaced whole by each change, in the control context; read by anyone without a lock. */
    private volatile PoolSnapshot snapshot;
    private final ExchangeTotals totals = new ExchangeTotals();

    public BackendPool(List<Backend> backends, HealthPolicy policy, Clock clock) {
        this(backends, policy, clock, new ControlContext());
    }

    public BackendPool(List<Backend> backends, HealthPolicy policy, Clock clock, ControlContext control) {
        List<Backend> all = List.copyOf(backends);
        all.forEach(b -> b.countInto(totals));
        this.policy = policy;
        this.clock = clock;
        this.control = control;
        this.snapshot = PoolSnapshot.of(0, all, inRotation(all));
    }

    /** The context every change of this pool runs in; the control plane runs its own steps there too. */
    public ControlContext control() {
        return control;
    }

    /** Who is in the pool and who may take new requests, with their weights, as of the last change. */
    public PoolSnapshot snapshot() {
        return snapshot;
    }

    /** The clock the pool stamps its changes with; slow start and ejections measure time by it. */
    public Clock clock() {
        return clock;
    }

    /** Every backend, in config order, runtime additions last; an immutable snapshot. */
    public List<Backend> all() {
        return snapshot.all();
    }

    /** Backends that may take a new request now: healthy, ready, not ejected and with a weight above 0. */
    public List<Backend> available() {
        return snapshot.available();
    }

    /** The backend with this name or base URL, as the config writes it. */
    public Optional<Backend> find(String nameOrUrl) {
        return snapshot.all().stream()
                .filter(b -> b.name().equals(nameOrUrl) || b.url().toString().equals(nameOrUrl))
                .findFirst();
    }

    /** Exchange counts over every backend this pool ever had; they never go down. */
    public ExchangeTotals totals() {
        return totals;
    }

    public boolean contains(Backend backend) {
        return snapshot.all().contains(backend);
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
        control.call(() -> {
            for (Backend existing : all()) {
                if (existing.url().equals(backend.url()) || existing.name().equals(backend.name())) {
                    throw new IllegalArgumentException("backend " + existing + " is already in the pool");
                }
            }
            backend.countInto(totals);
            List<Backend> next = new ArrayList<>(all());
            next.add(backend);
            republish(List.copyOf(next));
            publish(adminEvent(backend, AdminEvent.Change.ADDED, "", "weight " + backend.weight(), actor));
            return null;
        });
    }

    /**
     * Drops a backend from the pool at once. Requests already sent to it finish normally; drain it
     * first to wait for them.
     *
     * @return false when the backend was not in the pool
     */
    public boolean remove(Backend backend, String actor) {
        return control.call(() -> {
            if (!contains(backend)) {
                return false;
            }
            republish(all().stream().filter(b -> b != backend).toList());
            Drain drain = backend.drain();
            backend.drain(null);
            if (drain != null && !drain.isDone()) {
                drain.abandon("backend " + backend + " was removed before its drain finished");
            }
            publish(adminEvent(backend, AdminEvent.Change.REMOVED, backend.adminState().label(), "", actor));
            return true;
        });
    }

    /**
     * Moves a backend to {@code state}. Moving to DRAINING returns the drain (the one already running
     * when it was draining before); it may complete before this method returns when nothing is in
     * flight. Leaving DRAINING abandons the running drain.
     *
     * @return the drain when {@code state} is DRAINING, otherwise empty
     */
    public Optional<Drain> adminState(Backend backend, AdminState state, String actor) {
        return control.call(() -> {
            AdminState current = backend.adminState();
            if (current == state) {
                return Optional.ofNullable(backend.drain());
            }
            Drain previous = backend.drain();
            Drain started = null;
            if (state == AdminState.DRAINING) {
                started = new Drain(backend, clock.instant());
                started.announced(announceWhenDrained(started));
                backend.drain(started);
            } else {
                backend.drain(null);
            }
            if (previous != null) {
                previous.abandon("backend " + backend + " was set " + state.label() + " before its drain finished");
            }
            backend.adminState(state);
            republish(all());
            publish(adminEvent(backend, AdminEvent.Change.STATE, current.label(), state.label(), actor));
            if (started != null) {
                // Requests may all have finished already; the count's next change would never come. Found
                // here, DRAINED is published within this change, right after DRAINING.
                started.inFlightChanged(backend.inFlight());
            }
            return Optional.ofNullable(started);
        });
    }

    /** Sets a backend's weight; 0 takes it out of rotation without draining anything in flight. */
    public void weight(Backend backend, int weight, String actor) {
        control.call(() -> {
            int current = backend.weight();
            if (current == weight) {
                return null;
            }
            backend.weight(weight);
            republish(all());
            publish(adminEvent(backend, AdminEvent.Change.WEIGHT, Integer.toString(current), Integer.toString(weight), actor));
            return null;
        });
    }

    /**
     * Marks a backend DOWN until its next check, which then decides at once (as a first check does).
     * Used when it comes back from maintenance, where its last known health is stale.
     */
    public void awaitCheck(Backend backend, String reason) {
        control.call(() -> {
            backend.resetChecks();
            publish(transition(backend, HealthState.DOWN, reason));
            return null;
        });
    }

    /** Applies one active check result, changing state when the policy says so. */
    public void reportCheck(Backend backend, CheckResult result) {
        control.call(() -> {
            if (backend.adminState() == AdminState.MAINTENANCE || !contains(backend)) {
                return null; // a check that was already running when checks were paused or the backend left
            }
            boolean first = backend.lastCheck() == null;
            backend.recordCheck(result);
            HealthState next = policy.next(backend.health(), first,
                    backend.consecutiveSuccesses(), backend.consecutiveFailures());
            publish(transition(backend, next, result.detail()));
            return null;
        });
    }

    /**
     * Connect time-outs in a row, seen by requests, that take a backend out of rotation at the least:
     * three, as HAProxy's {@code fall} default, since one says little (see the proxy's reportUnreached).
     */
    public static final int MIN_CONNECT_TIMEOUTS_IN_A_ROW = 3;

    /**
     * Whether {@code inARow} connect time-outs seen by requests take a backend out of rotation: as many
     * as failed checks would ({@link HealthPolicy#unhealthyThreshold}), and never fewer than
     * {@value #MIN_CONNECT_TIMEOUTS_IN_A_ROW}.
     */
    public boolean enoughConnectTimeouts(int inARow) {
        return inARow >= Math.max(MIN_CONNECT_TIMEOUTS_IN_A_ROW, policy.unhealthyThreshold());
    }

    /**
     * A request could not reach the backend at all (connection refused or reset before any byte went
     * out): take it out of rotation now instead of waiting for the next check. Active checks bring it
     * back. Called on request threads: queued in the control context, never waited for.
     */
    public void reportUnreachable(Backend backend, String reason) {
        control.execute(() -> {
            backend.recordUnreachable(reason);
            publish(transition(backend, HealthState.DOWN, reason + " (seen by a request)"));
        });
    }

    /**
     * Ejects a backend for bad answers, unless that would put more than {@code maxEjectionPercent} of
     * the pool out by ejection at once (a bad deploy answering 500 everywhere must not become "no
     * backend" for everyone). Each ejection in a row before a re-admission lasts twice the one before.
     *
     * @return false when it was not ejected: already ejected, gone from the pool, or the cap reached
     */
    public boolean eject(Backend backend, String reason, PassiveHealthConfig policy) {
        return control.call(() -> {
            List<Backend> all = all();
            if (backend.ejected() || !all.contains(backend)) {
                return false;
            }
            long out = all.stream().filter(Backend::ejected).count();
            if ((out + 1) * 100 > (long) policy.maxEjectionPercent() * all.size()) {
                return false;
            }
            Instant now = clock.instant();
            Duration length = policy.ejectionTime(backend.ejectionsInARow() + 1);
            backend.eject(now.plus(length), reason);
            republish(all);
            publish(new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.EJECTED, reason, length, now));
            return true;
        });
    }

    /**
     * Returns every backend whose ejection is over at {@code now} to rotation, on probation.
     *
     * @return when the next ejection still running ends; empty when none is
     */
    public Optional<Instant> returnEjected(Instant now) {
        return control.call(() -> {
            Instant next = null;
            List<Backend> returned = new ArrayList<>();
            for (Backend b : all()) {
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
                republish(all());
                for (Backend b : returned) {
                    publish(new OutlierEvent(b.name(), b.url().toString(), OutlierEvent.Kind.RETURNED,
                            "ejection over; on probation", Duration.ZERO, now));
                }
            }
            return Optional.ofNullable(next);
        });
    }

    /** A good answer from a backend on probation: fully re-admitted. Called on request threads; never waits. */
    public void readmit(Backend backend, String reason) {
        control.execute(() -> {
            if (!backend.onProbation()) {
                return;
            }
            backend.readmit();
            publish(new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.READMITTED, reason,
                    Duration.ZERO, clock.instant()));
        });
    }

    /** An operator ends an ejection or probation at once (lbctl enable). */
    public void endEjection(Backend backend, String actor) {
        control.call(() -> {
            if (!backend.ejected() && !backend.onProbation()) {
                return null;
            }
            backend.readmit();
            republish(all());
            publish(new OutlierEvent(backend.name(), backend.url().toString(), OutlierEvent.Kind.ENDED,
                    "ended by " + actor, Duration.ZERO, clock.instant()));
            return null;
        });
    }

    /** Tells listeners about a config reload, after every change the reload made. */
    public void publishReload(ReloadOutcome outcome) {
        control.call(() -> {
            for (BackendListener listener : listeners) {
                listener.onReload(outcome);
            }
            return null;
        });
    }

    /**
     * Completes once DRAINED is published (or exceptionally when the drain is abandoned). The last
     * release may end the drain on a request thread: the event is then queued in the control context,
     * never waited for there; ended within a change (nothing was in flight), it goes out in that change.
     */
    private CompletableFuture<Void> announceWhenDrained(Drain drain) {
        CompletableFuture<Void> announced = new CompletableFuture<>();
        drain.completion().whenComplete((done, abandoned) -> {
            if (abandoned != null) {
                announced.completeExceptionally(abandoned);
                return;
            }
            control.run(() -> {
                publish(adminEvent(drain.backend(), AdminEvent.Change.DRAINED, "", "0 in flight", "drain"));
                announced.complete(null);
            });
        });
        return announced;
    }

    /** Tells listeners that a membership source started failing or answers again, in decision order. */
    public void publishSource(SourceEvent event) {
        control.run(() -> {
            for (BackendListener listener : listeners) {
                listener.onSourceChange(event);
            }
        });
    }

    private HealthEvent transition(Backend backend, HealthState next, String reason) {
        HealthState current = backend.health();
        if (next == current) {
            return null;
        }
        backend.health(next);
        republish(all());
        HealthEvent event = new HealthEvent(backend.name(), backend.url().toString(), current, next, reason, clock.instant());
        backend.recordEvent(event);
        return event;
    }

    private AdminEvent adminEvent(Backend backend, AdminEvent.Change change, String from, String to, String actor) {
        return new AdminEvent(backend.name(), backend.url().toString(), change, from, to, actor, clock.instant());
    }

    /**
     * Called in the control context, so listeners see changes in the order they were decided: a watcher
     * that applies events one by one ends at the pool's real state. Listeners never block: they run on
     * whichever thread drains the context.
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
     * Publishes the snapshot for {@code all} as they are now; backends entering rotation are stamped for
     * slow start. In the control context.
     */
    private void republish(List<Backend> all) {
        PoolSnapshot before = snapshot;
        List<Backend> next = inRotation(all);
        Instant now = null;
        for (Backend b : next) {
            if (!before.available().contains(b)) {
                now = now == null ? clock.instant() : now;
                b.enteredRotation(now);
            }
        }
        snapshot = PoolSnapshot.of(before.version() + 1, all, next);
    }

    /**
     * Backends that may take a new request: healthy, ready, not ejected, weight above 0. The backends in
     * rotation at start are not stamped: they ramp together, which is no ramp at all.
     */
    private static List<Backend> inRotation(List<Backend> all) {
        return all.stream()
                .filter(b -> b.health() == HealthState.UP && b.adminState() == AdminState.READY && b.weight() > 0
                        && !b.ejected())
                .toList();
    }
}
