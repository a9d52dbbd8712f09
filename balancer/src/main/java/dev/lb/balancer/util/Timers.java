package dev.lb.balancer.util;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The balancer's one timer service: deadlines, sweeps and delayed steps of every component run on its
 * {@code timers-N} thread, owned here and stopped by {@link #close()}. Tasks must be short and never
 * block (a sweep closes a socket or interrupts a thread; it does not wait for anything); work that
 * blocks, such as a health check's HTTP call, runs on its owner's threads.
 *
 * <p>Time comes from one {@link Ticker}: a periodic sweep is handed the ticker's {@code now}, and the
 * components expose the same sweep taking {@code now} as an argument, so a test calls
 * {@code sweep(t)} at the instant it wants instead of waiting for the timer.
 */
public final class Timers implements Scheduler, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Timers.class.getName());

    private final Ticker ticker;
    private final ScheduledThreadPoolExecutor executor;

    public Timers() {
        this(Ticker.SYSTEM);
    }

    public Timers(Ticker ticker) {
        this.ticker = ticker;
        this.executor = new ScheduledThreadPoolExecutor(1, new NamedThreadFactory("timers", true));
        // A cancelled deadline (most are: the read ends in time) must not linger in the queue.
        executor.setRemoveOnCancelPolicy(true);
    }

    /** The time every deadline and sweep of this service is measured by. */
    public Ticker ticker() {
        return ticker;
    }

    @Override
    public long nanoTime() {
        return ticker.nanoTime();
    }

    /** Runs {@code task} once after {@code delay}; a no-op handle once the service is closed. */
    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        try {
            ScheduledFuture<?> future = executor.schedule(guarded(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException closed) {
            return Cancellable.NONE;
        }
    }

    /**
     * Calls {@code sweep} with the ticker's now every {@code period} (fixed delay: a slow sweep is
     * never run twice at once).
     */
    public Cancellable every(Duration period, LongConsumer sweep) {
        long nanos = Math.max(1, period.toNanos());
        try {
            ScheduledFuture<?> future = executor.scheduleWithFixedDelay(guarded(() -> sweep.accept(ticker.nanoTime())),
                    nanos, nanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException closed) {
            return Cancellable.NONE;
        }
    }

    /** A failing task is logged; it must not end the periodic ones sharing the thread, nor itself. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a timer task failed", e);
            }
        };
    }

    /** Stops the thread; pending tasks are dropped. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** A scheduled task that can be called off. */
    @FunctionalInterface
    public interface Cancellable {
        Cancellable NONE = () -> {
        };

        void cancel();
    }
}
