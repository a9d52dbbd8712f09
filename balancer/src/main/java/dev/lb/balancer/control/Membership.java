package dev.lb.balancer.control;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.util.NamedThreadFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The steps that change who is in the pool and whether it is checked, shared by operator commands and
 * reloads: join (checked first), back to ready, and removal (drain, then drop). Owns the
 * {@code runtime-control} thread that drops backends when their drain ends or times out.
 */
final class Membership implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Membership.class.getName());

    private final BackendPool pool;
    private final HealthChecker healthChecker;
    private final Supplier<Duration> drainTimeout;
    private final Map<Backend, Removal> removals = new ConcurrentHashMap<>();
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("runtime-control", true));

    Membership(BackendPool pool, HealthChecker healthChecker, Supplier<Duration> drainTimeout) {
        this.pool = pool;
        this.healthChecker = healthChecker;
        this.drainTimeout = drainTimeout;
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
            // Nothing in flight and DRAINED published: dropped now, on the caller's (control) thread, so a
            // reload's REMOVED comes before its RELOAD event, as Watch documents, instead of racing it.
            drop(backend, actor);
            return removal;
        }
        long timeoutMs = drainTimeout.get().toMillis();
        ScheduledFuture<?> deadline = executor.schedule(() -> {
            LOG.log(System.Logger.Level.WARNING, "backend {0} still has {1} in flight after {2} ms; removing it anyway",
                    backend, backend.inFlight(), timeoutMs);
            drop(backend, actor);
        }, timeoutMs, TimeUnit.MILLISECONDS);
        // Dropping takes the pool's lock: never on the request thread whose release ended the drain.
        // After DRAINED is published (or the drain abandoned), so REMOVED always follows DRAINED.
        drain.announced().whenCompleteAsync((done, abandoned) -> {
            deadline.cancel(false);
            drop(backend, actor);
        }, executor);
        return removal;
    }

    /** Drops a backend now, whether or not it has finished draining. */
    void drop(Backend backend, String actor) {
        healthChecker.unwatch(backend);
        pool.remove(backend, actor);
        Removal removal = removals.remove(backend);
        if (removal != null) {
            removal.removed().complete(backend);
        }
    }

    /** Stops the drop thread; removals still pending stay as they are. */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}
