package dev.lb.balancer.control;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.util.ControlContext;
import dev.lb.balancer.util.Timers;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The steps that change who is in the pool and whether it is checked, shared by operator commands and
 * reloads: join (checked first), back to ready, and removal (drain, then drop). Every step runs in the
 * pool's control context; a drop that waits for a drain's end or its timeout is queued there when that
 * comes (the timeout on the shared {@link Timers}).
 */
final class Membership implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Membership.class.getName());

    private final BackendPool pool;
    private final HealthChecker healthChecker;
    private final Supplier<Duration> drainTimeout;
    /** Removals under way; written in the control context, read by status from anywhere. */
    private final Map<Backend, Removal> removals = new ConcurrentHashMap<>();
    private final ControlContext control;
    private final Timers timers;
    /** Drain timeouts still pending, cancelled on close; written in the control context. */
    private final Map<Backend, Timers.Cancellable> deadlines = new ConcurrentHashMap<>();

    Membership(BackendPool pool, HealthChecker healthChecker, Supplier<Duration> drainTimeout, Timers timers) {
        this.pool = pool;
        this.healthChecker = healthChecker;
        this.drainTimeout = drainTimeout;
        this.control = pool.control();
        this.timers = timers;
    }

    /** Adds a backend (DOWN until its first check passes) and checks it at once. */
    void join(Backend backend, String actor) {
        pool.add(backend, actor);
        healthChecker.watch(backend);
    }

    /** Back to ready; from maintenance, checks resume and the next one decides its health. */
    void makeReady(Backend backend, String actor) {
        if (backend.adminState() == AdminState.MAINTENANCE) {
            pool.awaitCheck(backend, "back from maintenance; waiting for a health check");
        }
        pool.adminState(backend, AdminState.READY, actor);
        healthChecker.watch(backend);
    }

    /** The removal under way for this backend, if any. */
    Removal removal(Backend backend) {
        return removals.get(backend);
    }

    boolean removing(Backend backend) {
        return removals.containsKey(backend);
    }

    /** Drains the backend, then drops it; after the drain timeout it is dropped anyway. */
    Removal startRemoval(Backend backend, String actor) {
        Drain drain = backend.adminState() == AdminState.DRAINING
                ? backend.drain()
                : pool.adminState(backend, AdminState.DRAINING, actor).orElseThrow();
        CompletableFuture<Backend> removed = new CompletableFuture<>();
        Removal removal = new Removal(drain, removed);
        removals.put(backend, removal);
        if (drain.announced().isDone()) {
            // Nothing in flight and DRAINED published: dropped now, within this change, so a reload's
            // REMOVED comes before its RELOAD event, as Watch documents, instead of racing it.
            drop(backend, actor);
            return removal;
        }
        Duration timeout = drainTimeout.get();
        deadlines.put(backend, timers.schedule(timeout, () -> control.execute(() -> {
            if (removals.get(backend) != removal) {
                return; // dropped already when its drain ended
            }
            LOG.log(System.Logger.Level.WARNING, "backend {0} still has {1} in flight after {2} ms; removing it anyway",
                    backend, backend.inFlight(), timeout.toMillis());
            drop(backend, actor);
        })));
        // After DRAINED is published (or the drain abandoned), so REMOVED always follows DRAINED. The last
        // release may end the drain on a request thread: the drop is then queued, never waited for.
        drain.announced().whenComplete((done, abandoned) -> control.run(() -> {
            if (removals.get(backend) == removal) {
                drop(backend, actor);
            }
        }));
        return removal;
    }

    /** Drops a backend now, whether or not it has finished draining. In the control context. */
    void drop(Backend backend, String actor) {
        Timers.Cancellable deadline = deadlines.remove(backend);
        if (deadline != null) {
            deadline.cancel();
        }
        // Out of the map first: the pool abandons a running drain, and the follow-up that brings must find
        // this removal over.
        Removal removal = removals.remove(backend);
        healthChecker.unwatch(backend);
        pool.remove(backend, actor);
        if (removal != null) {
            removal.removed().complete(backend);
        }
    }

    /** Calls off the drain timeouts; removals still pending stay as they are. */
    @Override
    public void close() {
        deadlines.values().forEach(Timers.Cancellable::cancel);
        deadlines.clear();
    }
}
