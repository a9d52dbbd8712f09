package dev.lb.balancer.util;

import dev.lb.balancer.testing.ManualScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timer only says when; the owner's executor runs the task; the next run is timed from the end of
 * the last. Time is the subject, so a manual scheduler moves it and a held executor decides when a
 * handed-over run actually runs.
 */
class RepeatingTest {
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final Duration DELAY = Duration.ofSeconds(10);
    private static final Duration NANO = Duration.ofNanos(1);

    private final ManualScheduler timers = new ManualScheduler();
    private final HeldExecutor owner = new HeldExecutor();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void runsAfterTheFirstDelayThenOneDelayAfterEachRunEnded() {
        Repeating.withFixedDelay(timers, Runnable::run, "task", FIRST, DELAY, runs::incrementAndGet);

        timers.advance(FIRST.minus(NANO));
        assertEquals(0, runs.get(), "not before its first delay");
        timers.advance(NANO);
        assertEquals(1, runs.get());
        timers.advance(DELAY.minus(NANO));
        assertEquals(1, runs.get(), "not before a whole delay after the run");
        timers.advance(NANO);
        assertEquals(2, runs.get());
    }

    @Test
    void theTimerOnlyHandsTheRunToTheOwnersExecutor() {
        Repeating.withFixedDelay(timers, owner, "task", Duration.ZERO, DELAY, runs::incrementAndGet);

        timers.runDue();

        assertEquals(0, runs.get(), "nothing ran on the timer's thread");
        assertEquals(1, owner.queued());
        owner.runNext();
        assertEquals(1, runs.get());
    }

    @Test
    void aSlowRunIsNeverStartedAgainBeforeItEnds() {
        Repeating.withFixedDelay(timers, owner, "task", Duration.ZERO, DELAY, runs::incrementAndGet);
        timers.runDue();

        // the run is handed over but has not ended: ten delays pass
        timers.advance(DELAY.multipliedBy(10));

        assertEquals(1, owner.queued(), "one run handed over, no second one");
        assertEquals(0, timers.pending(), "no timer set while a run is under way");
        owner.runNext();
        assertEquals(DELAY, timers.untilNext(), "the next run is timed from this one's end");
    }

    @Test
    void aRunThatThrowsIsFollowedAtItsUsualTime() {
        Repeating.withFixedDelay(timers, Runnable::run, "a failing task", Duration.ZERO, DELAY, () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("a bug in one run");
        });

        timers.runDue();
        timers.advance(DELAY);
        timers.advance(DELAY);

        assertEquals(3, runs.get(), "every run after a throw still came");
    }

    @Test
    void eachRunCanChooseTheWaitBeforeTheNext() {
        AtomicInteger wait = new AtomicInteger(5);
        Repeating.withDelayFrom(timers, Runnable::run, "task", Duration.ZERO, DELAY, () -> {
            runs.incrementAndGet();
            return Duration.ofSeconds(wait.get());
        });
        timers.runDue();
        assertEquals(Duration.ofSeconds(5), timers.untilNext());

        wait.set(2);
        timers.advance(Duration.ofSeconds(5));

        assertEquals(2, runs.get());
        assertEquals(Duration.ofSeconds(2), timers.untilNext());
    }

    @Test
    void aRunThatThrowsWaitsTheDelayForFailures() {
        Repeating.withDelayFrom(timers, Runnable::run, "task", Duration.ZERO, DELAY, () -> {
            throw new IllegalStateException("no answer to time the next run by");
        });

        timers.runDue();

        assertEquals(DELAY, timers.untilNext());
    }

    @Test
    void cancelStopsTheScheduleAndARunUnderWayIsNotFollowed() {
        Repeating repeating = Repeating.withFixedDelay(timers, owner, "task", Duration.ZERO, DELAY, runs::incrementAndGet);
        timers.runDue();

        repeating.cancel();
        owner.runNext();
        timers.advance(DELAY.multipliedBy(10));

        assertEquals(1, runs.get(), "the run under way finished");
        assertEquals(0, timers.pending(), "and none follows it");
        assertEquals(0, owner.queued());
    }

    @Test
    void cancelWhileWaitingRemovesTheTimer() {
        Repeating repeating = Repeating.withFixedDelay(timers, Runnable::run, "task", FIRST, DELAY, runs::incrementAndGet);

        repeating.cancel();
        timers.advance(DELAY);

        assertEquals(0, runs.get());
        assertNull(timers.untilNext());
    }

    @Test
    void runSoonWhileWaitingRunsAtOnceAndTheScheduleGoesOnFromThere() {
        Repeating repeating = Repeating.withFixedDelay(timers, Runnable::run, "task", FIRST, DELAY, runs::incrementAndGet);

        repeating.runSoon();
        timers.runDue();

        assertEquals(1, runs.get());
        assertEquals(1, timers.pending(), "the first timer was replaced, not added to");
        assertEquals(DELAY, timers.untilNext());
    }

    @Test
    void runSoonDuringARunFollowsItAtOnceNeverBesideIt() {
        Repeating repeating = Repeating.withFixedDelay(timers, owner, "task", Duration.ZERO, DELAY, runs::incrementAndGet);
        timers.runDue();

        repeating.runSoon();
        assertEquals(1, owner.queued(), "no second run beside the one under way");
        owner.runNext();
        timers.runDue();

        assertEquals(1, owner.queued(), "the next run came at once after the first ended");
        owner.runNext();
        assertEquals(2, runs.get());
        assertEquals(DELAY, timers.untilNext());
    }

    @Test
    void aTimerReplacedJustAfterItFiredDoesNotStartASecondRun() {
        // runSoon between the timer firing and its run being handed over must not double the schedule
        Repeating[] holder = new Repeating[1];
        AtomicInteger fired = new AtomicInteger();
        Scheduler runSoonAsTheFirstTimerFires = new Scheduler() {
            @Override
            public Timers.Cancellable schedule(Duration delay, Runnable task) {
                return timers.schedule(delay, () -> {
                    if (fired.getAndIncrement() == 0) {
                        holder[0].runSoon();
                    }
                    task.run();
                });
            }

            @Override
            public long nanoTime() {
                return timers.nanoTime();
            }
        };
        holder[0] = Repeating.withFixedDelay(runSoonAsTheFirstTimerFires, owner, "task", Duration.ZERO, DELAY,
                runs::incrementAndGet);

        timers.runDue();

        assertEquals(1, owner.queued(), "one run handed over");
        assertEquals(0, timers.pending());
    }

    @Test
    void atFixedRateKeepsToThePlannedTimesWhenARunIsLate() {
        Repeating.atFixedRate(timers, owner, "sample", Duration.ZERO, DELAY, runs::incrementAndGet);
        timers.runDue();

        // the run is handed over at 0 but only runs 3 s later
        timers.advance(Duration.ofSeconds(3));
        owner.runNext();

        assertEquals(Duration.ofSeconds(7), timers.untilNext(), "the next run is still planned for 10 s");
    }

    @Test
    void aRunThatOverranItsPeriodAtFixedRateIsFollowedAtOnce() {
        Repeating.atFixedRate(timers, owner, "sample", Duration.ZERO, DELAY, runs::incrementAndGet);
        timers.runDue();

        timers.advance(DELAY.plusSeconds(1));
        owner.runNext();

        assertEquals(Duration.ZERO, timers.untilNext());
    }

    @Test
    void anOwnerWhoseExecutorIsClosedEndsTheSchedule() {
        Repeating repeating = Repeating.withFixedDelay(timers, owner, "task", Duration.ZERO, DELAY, runs::incrementAndGet);
        owner.close();

        timers.runDue();

        assertTrue(repeating.cancelled());
        assertEquals(0, timers.pending());
    }

    /** Holds handed-over runs until the test runs them, as a busy or slow executor would. */
    private static final class HeldExecutor implements Executor {
        private final Queue<Runnable> queue = new ArrayDeque<>();
        private boolean closed;

        @Override
        public synchronized void execute(Runnable task) {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            queue.add(task);
        }

        synchronized int queued() {
            return queue.size();
        }

        void runNext() {
            Runnable next;
            synchronized (this) {
                next = queue.remove();
            }
            next.run();
        }

        synchronized void close() {
            closed = true;
        }
    }
}
