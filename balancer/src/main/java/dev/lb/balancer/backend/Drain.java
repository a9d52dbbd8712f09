package dev.lb.balancer.backend;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
     * {@link CancellationException} if the backend leaves the draining state first (enabled, disabled
     * or set ready again).
     */
    public CompletableFuture<Drain> completion() {
        return completion;
    }

    public boolean isDone() {
        return completion.isDone();
    }

    /**
     * Hears each new in-flight count while the drain runs; the last call is 0. Called on request
     * threads, so the listener must return at once (hand the value to a queue). It is not called with
     * the count at the time it is added: read {@link #inFlight()} for that.
     */
    public void onProgress(IntConsumer listener) {
        progress.add(listener);
    }

    public void removeProgressListener(IntConsumer listener) {
        progress.remove(listener);
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
        completion.completeExceptionally(new CancellationException(why));
    }
}
