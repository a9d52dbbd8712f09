package dev.lb.balancer.server;

import dev.lb.balancer.util.Ticker;
import dev.lb.balancer.util.Timers;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Interrupts a thread whose blocking read has passed its deadline: the JDK's {@code HttpServer} gives
 * its handlers no socket timeout, and interrupting a thread blocked on the connection's channel closes
 * the channel, which ends the read. One watchdog serves every such deadline of the front end (the
 * request head's, {@link RequestHeadTimeout}, and each read of a request body's,
 * {@link ClientReadTimeout}); its sweep runs on the shared {@link Timers}.
 *
 * <p>{@link #sweep(long)} does the work for a given instant of the watchdog's {@link Ticker}, so tests
 * call it with the time they want instead of waiting for the timer.
 */
public final class InterruptWatchdog implements AutoCloseable {
    private final Ticker ticker;
    /** Deadlines armed now; a deadline leaves under its own lock, so a re-arm is never lost. */
    private final Set<Deadline> armed = ConcurrentHashMap.newKeySet();
    private final Timers.Cancellable sweeps;
    /** The timer service made for this watchdog alone; null when it runs on a shared one. */
    private final Timers own;

    /** A watchdog on the shared timer service, sweeping every {@code period}. */
    public InterruptWatchdog(Timers timers, Duration period) {
        this(timers, period, false);
    }

    /** A watchdog on a timer service of its own, closed with it. */
    public InterruptWatchdog(Duration period) {
        this(new Timers(), period, true);
    }

    private InterruptWatchdog(Timers timers, Duration period, boolean ownsTimers) {
        this.ticker = timers.ticker();
        this.own = ownsTimers ? timers : null;
        this.sweeps = timers.every(period, this::sweep);
    }

    /**
     * A sweep period that fires within a quarter of {@code timeout} late: between 50 ms (a sweep is a
     * pass over the armed deadlines, cheap but not free) and 1 s.
     */
    public static Duration periodFor(Duration timeout) {
        return Duration.ofMillis(Math.max(50, Math.min(1_000, timeout.toMillis() / 4)));
    }

    /** The time deadlines are measured by. */
    public long nanoTime() {
        return ticker.nanoTime();
    }

    /**
     * Arms a deadline {@code timeout} from now for the calling thread.
     *
     * @param onFire runs under the deadline's lock just before the interrupt, so whoever sees the
     *               interrupt sees its effect (a count) too; must return at once
     */
    public Deadline arm(Duration timeout, Runnable onFire) {
        Deadline deadline = new Deadline(Thread.currentThread(), ticker.nanoTime() + timeout.toNanos(), onFire);
        armed.add(deadline);
        return deadline;
    }

    /** Interrupts the thread of every armed deadline that has passed at {@code now} (the ticker's nanos). */
    public void sweep(long now) {
        for (Deadline deadline : armed) {
            deadline.fireIfDue(now);
        }
    }

    /** Deadlines armed now. */
    int armedCount() {
        return armed.size();
    }

    @Override
    public void close() {
        sweeps.cancel();
        if (own != null) {
            own.close();
        }
    }

    private enum State { ARMED, DISARMED, FIRED, DONE }

    /** One thread's deadline; its time and state are guarded by its own lock. */
    public final class Deadline {
        private final Thread thread;
        private final Runnable onFire;
        private long at;
        private State state = State.ARMED;

        private Deadline(Thread thread, long at, Runnable onFire) {
            this.thread = thread;
            this.at = at;
            this.onFire = onFire;
        }

        /**
         * Stops the clock, as the awaited bytes arrived.
         *
         * @return false when it had fired already: the read was cut off
         */
        public synchronized boolean disarm() {
            armed.remove(this);
            if (state == State.FIRED) {
                return false;
            }
            if (state == State.ARMED) {
                state = State.DISARMED;
            }
            return true;
        }

        /** Starts the clock again, {@code timeout} from now, unless it fired or ended meanwhile. */
        public synchronized void rearm(Duration timeout) {
            if (state != State.DISARMED) {
                return;
            }
            at = ticker.nanoTime() + timeout.toNanos();
            state = State.ARMED;
            armed.add(this);
        }

        /** Whether the deadline fired (and the thread was interrupted). */
        public synchronized boolean fired() {
            return state == State.FIRED;
        }

        /**
         * The guarded call is over: the deadline can no longer fire.
         *
         * @return whether it had fired
         */
        public synchronized boolean end() {
            armed.remove(this);
            boolean fired = state == State.FIRED;
            state = State.DONE;
            return fired;
        }

        private synchronized void fireIfDue(long now) {
            if (now - at < 0) {
                return;
            }
            if (state == State.ARMED) {
                state = State.FIRED;
                onFire.run();
                thread.interrupt();
            }
            // Removed under this lock, so a deadline re-armed (under the same lock) is never dropped.
            armed.remove(this);
        }
    }
}
