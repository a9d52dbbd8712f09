package dev.lb.balancer.util;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A task run again and again, split the way the timer service wants it: the {@link Scheduler} only
 * decides when a run is due, and the owner's executor runs it, so a run may block (an HTTP check, a DNS
 * query, reading files) without holding up anybody's deadline. The next run is timed only once the
 * previous one has ended, so one task never runs twice at once however slow it is. A run that throws
 * is logged and the task runs again at its usual time: a bug in one run must not silently end the
 * schedule.
 *
 * <p>Threads: {@link #cancel} and {@link #runSoon} may be called from any thread; the state they share
 * with the end of a run is guarded by this object's monitor, never held while the task runs.
 */
public final class Repeating implements Timers.Cancellable {
    private static final System.Logger LOG = System.getLogger(Repeating.class.getName());

    private final Scheduler timers;
    private final Executor runOn;
    private final String what;
    /** Runs the task once and answers how long to wait before the next run. */
    private final Supplier<Duration> run;

    // Guarded by this.
    private boolean cancelled;
    /** The timer of the next run; null while a run is queued or running. */
    private Timers.Cancellable pending;
    /** Counts timers set; a timer that fires after it was replaced finds a newer number and does nothing. */
    private long generation;
    /** Set by {@link #runSoon} during a run: the next run follows this one at once. */
    private boolean againAtOnce;

    private Repeating(Scheduler timers, Executor runOn, String what, Supplier<Duration> run) {
        this.timers = timers;
        this.runOn = runOn;
        this.what = what;
        this.run = run;
    }

    /**
     * Runs {@code task} on {@code runOn} after {@code first}, then again {@code delay} after each run
     * ended (as {@code scheduleWithFixedDelay}).
     *
     * @param what names the task in the line logged when a run throws
     */
    public static Repeating withFixedDelay(Scheduler timers, Executor runOn, String what, Duration first, Duration delay,
                                           Runnable task) {
        return withDelayFrom(timers, runOn, what, first, delay, () -> {
            task.run();
            return delay;
        });
    }

    /**
     * Runs {@code task} on {@code runOn} after {@code first}, then again after the delay each run
     * answers, measured from the run's end; {@code afterFailure} when a run throws.
     */
    public static Repeating withDelayFrom(Scheduler timers, Executor runOn, String what, Duration first,
                                          Duration afterFailure, Supplier<Duration> task) {
        Repeating repeating = new Repeating(timers, runOn, what, guarded(what, afterFailure, task));
        repeating.next(first);
        return repeating;
    }

    /**
     * Runs {@code task} on {@code runOn} after {@code first}, then every {@code period} counted from
     * the first run's planned time (as {@code scheduleAtFixedRate}): a late run shortens the next wait,
     * and a run that overran its period is followed at once.
     */
    public static Repeating atFixedRate(Scheduler timers, Executor runOn, String what, Duration first, Duration period,
                                        Runnable task) {
        FixedRate rate = new FixedRate(timers, timers.nanoTime() + first.toNanos(), period.toNanos());
        Repeating repeating = new Repeating(timers, runOn, what, () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, what + " failed; it runs again at its next time", e);
            }
            return rate.untilNext();
        });
        repeating.next(first);
        return repeating;
    }

    /** The planned times of a fixed-rate task; touched only by its runs, which never overlap. */
    private static final class FixedRate {
        private final Scheduler timers;
        private final long period;
        private long planned;

        FixedRate(Scheduler timers, long firstPlanned, long period) {
            this.timers = timers;
            this.planned = firstPlanned;
            this.period = Math.max(1, period);
        }

        Duration untilNext() {
            planned += period;
            return Duration.ofNanos(Math.max(0, planned - timers.nanoTime()));
        }
    }

    private static Supplier<Duration> guarded(String what, Duration afterFailure, Supplier<Duration> task) {
        return () -> {
            try {
                return task.get();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, what + " failed; it runs again at its next time", e);
                return afterFailure;
            }
        };
    }

    /**
     * Runs the task as soon as it is free: at once when it is waiting for its time, right after the
     * current run when one is under way. The schedule goes on from that run.
     */
    public synchronized void runSoon() {
        if (cancelled) {
            return;
        }
        if (pending == null) {
            againAtOnce = true; // queued or running: its end times the next run
            return;
        }
        pending.cancel();
        next(Duration.ZERO);
    }

    /** Stops the schedule; a run under way finishes, and no other follows it. */
    @Override
    public synchronized void cancel() {
        cancelled = true;
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
    }

    public synchronized boolean cancelled() {
        return cancelled;
    }

    private synchronized void next(Duration delay) {
        if (cancelled) {
            return;
        }
        Duration wait = againAtOnce ? Duration.ZERO : delay;
        againAtOnce = false;
        long timer = ++generation;
        pending = timers.schedule(wait, () -> due(timer));
    }

    /** On the timer's thread: hands the run to the owner's executor, never runs it here. */
    private void due(long timer) {
        synchronized (this) {
            if (cancelled || timer != generation || pending == null) {
                return; // cancelled, or replaced by runSoon after it had already fired
            }
            pending = null;
        }
        try {
            runOn.execute(this::runOnce);
        } catch (RejectedExecutionException ownerClosed) {
            cancel();
        }
    }

    private void runOnce() {
        next(run.get());
    }

    @Override
    public String toString() {
        return "repeating " + what;
    }
}
