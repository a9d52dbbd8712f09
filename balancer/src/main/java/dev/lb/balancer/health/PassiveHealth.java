package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.proxy.ExchangeObserver;
import dev.lb.balancer.util.Timers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Ejection on bad answers (Envoy's outlier detection, nginx's {@code max_fails}): counts each backend's
 * 5xx answers in a row as requests end, ejects a backend at {@code consecutive5xx} of them, returns it
 * on probation when its ejection time is over, and re-admits it at its first good answer (one more 5xx
 * ejects it again, for twice as long). Backends that give no answer at all are the active checks' and
 * the unreachable path's business, not this.
 *
 * <p>Threads: {@link #attemptEnded} runs on request threads and takes no lock; an ejection or
 * re-admission is queued in the pool's control context, never waited for. The shared {@link Timers}
 * return backends when their time is over, through the control context; {@link #sweep} does that work
 * for a given instant, so tests drive it with their own clock.
 */
public final class PassiveHealth implements ExchangeObserver, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PassiveHealth.class.getName());

    private final BackendPool pool;
    private final Supplier<PassiveHealthConfig> config;
    private final Clock clock;
    private final Timers timers;
    /** The timer service this object made because none was given; null when it was given one. */
    private final Timers ownTimers;

    /** @param config the settings in effect, read at each answer so a reload applies at once */
    public PassiveHealth(BackendPool pool, Supplier<PassiveHealthConfig> config, Clock clock) {
        this(pool, config, clock, null);
    }

    /** @param timers where ejections' ends are timed; null to own a timer service (closed by {@link #close()}) */
    public PassiveHealth(BackendPool pool, Supplier<PassiveHealthConfig> config, Clock clock, Timers timers) {
        this.pool = pool;
        this.config = config;
        this.clock = clock;
        this.ownTimers = timers == null ? new Timers() : null;
        this.timers = timers == null ? ownTimers : timers;
    }

    @Override
    public void attemptEnded(Backend backend, int status, long startNanos) {
        answered(backend, status);
    }

    /** A backend answered with {@code status}; -1 (no answer) is not counted either way. */
    public void answered(Backend backend, int status) {
        if (status < 100) {
            return;
        }
        if (status < 500) {
            backend.recordNon5xx();
            if (backend.onProbation()) {
                pool.readmit(backend, "HTTP " + status + " on probation");
            }
            return;
        }
        PassiveHealthConfig policy = config.get();
        if (!policy.enabled()) {
            return;
        }
        String reason = ejectionReason(backend, backend.record5xx(), status, policy);
        if (reason != null) {
            pool.control().execute(() -> {
                if (pool.eject(backend, reason, policy)) {
                    scheduleSweep(backend.ejectedUntil());
                }
            });
        }
    }

    /** Why this 5xx ejects the backend; null when it does not (yet). */
    static String ejectionReason(Backend backend, int streak, int status, PassiveHealthConfig policy) {
        if (backend.onProbation()) {
            return "HTTP " + status + " on probation";
        }
        if (streak >= policy.consecutive5xx()) {
            return streak + " consecutive 5xx";
        }
        return null;
    }

    /**
     * Returns to rotation, on probation, every backend whose ejection is over at {@code now}.
     *
     * @return when the next running ejection ends; empty when none runs
     */
    public Optional<Instant> sweep(Instant now) {
        return pool.returnEjected(now);
    }

    private void scheduleSweep(Instant due) {
        if (due == null) {
            return;
        }
        // Closed timers drop it: ejections no longer matter then.
        timers.schedule(Duration.between(clock.instant(), due), this::sweepNow);
    }

    /** On the timer thread: queued in the control context, so the timer never waits on a change. */
    private void sweepNow() {
        pool.control().execute(() -> {
            try {
                // A timer that fired a little early (wall clock against the timer's) finds the same
                // ejection still running and waits for it again.
                sweep(clock.instant()).ifPresent(this::scheduleSweep);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "returning ejected backends failed", e);
            }
        });
    }

    @Override
    public void close() {
        if (ownTimers != null) {
            ownTimers.close();
        }
    }
}
