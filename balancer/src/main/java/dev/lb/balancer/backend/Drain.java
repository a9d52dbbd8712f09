package dev.lb.balancer.backend;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One drain of one backend, observable without polling: {@link #completion()} completes when the last
 * request in flight has finished, and progress listeners hear every new in-flight count on the way
 * there. The backend's request threads report to it only while it drains, so the hot path pays one
 * volatile read otherwise.
 */
public final class Drain {
    private final Backend backend;
    private final Instant startedAt;
    private final CompletableFuture<Drain> completion = new CompletableFuture<>();
    /** Completes once the pool has published this drain's DRAINED event (set by the pool when it starts it). */
    private volatile CompletableFuture<Void> announced = CompletableFuture.completedFuture(null);
    private final List<IntConsumer> progress = new CopyOnWriteArrayList<>();

    Drain(Backend backend, Instant startedAt) {
        this.backend = backend;
        this.startedAt = startedAt;
    }

    public Backend backend() {
        return backend;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Requests still in flight on the backend. */
    public int inFlight() {
        return backend.inFlight();
    }

    /**
     * Completes with this drain once no request is in flight. Completes exceptionally with a
     * {@link DrainAbandonedException} if the backend leaves the draining state first (enabled,
     * disabled or removed).
     */
    public CompletableFuture<Drain> completion() {
        return completion;
    }

    /**
     * Completes after {@link #completion()} and after the pool published the DRAINED event, or
     * exceptionally when the drain was abandoned: what follows a drain (dropping the backend) waits on
     * this, so its events come after DRAINED.
     */
    public CompletableFuture<Void> announced() {
        return announced;
    }

    void announced(CompletableFuture<Void> announced) {
        this.announced = announced;
    }

    public boolean isDone() {
        return completion.isDone();
    }

    /**
     * Hears each new in-flight count while the drain runs. Called on request threads, concurrently and
     * so not necessarily in order, so the listener must be thread-safe and return at once. It is not
     * called with the count at the time it is added: read {@link #inFlight()} for that. Prefer
     * {@link #onProgress(IntConsumer, Executor)} to get an ordered sequence.
     */
    public void onProgress(IntConsumer listener) {
        progress.add(listener);
    }

    /**
     * Hears the in-flight count on {@code executor} instead of on request threads: calls never overlap
     * and never block a request, and when counts arrive faster than the listener takes them, only the
     * latest is delivered. The counts delivered never go up, and the final 0 is always delivered.
     * Suits a slow consumer such as a streaming RPC.
     */
    public void onProgress(IntConsumer listener, Executor executor) {
        progress.add(new Coalescing(listener, executor));
    }

    /** Stops telling {@code listener}, however it was added. */
    public void removeProgressListener(IntConsumer listener) {
        progress.removeIf(l -> l == listener || l instanceof Coalescing c && c.listener == listener);
    }

    /** Called by the backend after each release while draining, and once when the drain starts. */
    void inFlightChanged(int remaining) {
        if (completion.isDone()) {
            return;
        }
        for (IntConsumer listener : progress) {
            listener.accept(remaining);
        }
        if (remaining == 0) {
            completion.complete(this);
        }
    }

    void abandon(String why) {
        completion.completeExceptionally(new DrainAbandonedException(why));
    }

    /** Hands the latest count to one delivery task at a time on an executor. */
    private static final class Coalescing implements IntConsumer {
        private final IntConsumer listener;
        private final Executor executor;
        /** The lowest count reported: concurrent releases may report out of order, but a drain only goes down. */
        private final AtomicInteger latest = new AtomicInteger(Integer.MAX_VALUE);
        private final AtomicInteger pending = new AtomicInteger();
        private int lastDelivered = -1; // only touched by the one running delivery

        Coalescing(IntConsumer listener, Executor executor) {
            this.listener = listener;
            this.executor = executor;
        }

        @Override
        public void accept(int remaining) {
            latest.accumulateAndGet(remaining, Math::min);
            if (pending.getAndIncrement() == 0) {
                executor.execute(this::deliver);
            }
        }

        private void deliver() {
            int missed = 1;
            while (true) {
                int value = latest.get();
                if (value != lastDelivered) {
                    lastDelivered = value;
                    listener.accept(value);
                }
                missed = pending.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }
    }
}
