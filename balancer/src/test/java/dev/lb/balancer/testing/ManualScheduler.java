package dev.lb.balancer.testing;

import dev.lb.balancer.util.Scheduler;
import dev.lb.balancer.util.Timers;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * A scheduler whose time moves only when the test says so: {@link #advance} runs every task that comes
 * due, in order, on the test's thread. So a test asks "what is pending, and when?" at exact instants
 * instead of waiting for a timer (grpc-java's {@code FakeClock}).
 */
public final class ManualScheduler implements Scheduler {
    private record Task(long due, long order, Runnable task) {
    }

    /** Guarded by this, as is {@link #now} and {@link #order}. */
    private final PriorityQueue<Task> queue =
            new PriorityQueue<>(Comparator.comparingLong(Task::due).thenComparingLong(Task::order));
    private long now = 1_000_000_000L;
    private long order;

    @Override
    public synchronized Timers.Cancellable schedule(Duration delay, Runnable task) {
        Task scheduled = new Task(now + Math.max(0, delay.toNanos()), order++, task);
        queue.add(scheduled);
        return () -> {
            synchronized (this) {
                queue.remove(scheduled);
            }
        };
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Moves time forward by {@code by}, running each task as its time comes (outside the lock). */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due() > target) {
                    now = target;
                    return;
                }
                queue.poll();
                now = Math.max(now, next.due());
            }
            next.task().run();
        }
    }

    /** Runs whatever is due now, without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks waiting for their time. */
    public synchronized int pending() {
        return queue.size();
    }

    /** How long until the next pending task is due; null when none is. */
    public synchronized Duration untilNext() {
        Task next = queue.peek();
        return next == null ? null : Duration.ofNanos(next.due() - now);
    }
}
