package dev.lb.balancer.proxy;

import dev.lb.balancer.backend.Backend;

/**
 * Hears how each exchange went, for metrics. Called on request threads once per attempt and once per
 * exchange, so implementations must be lock-free and take nanoseconds.
 */
public interface ExchangeObserver {
    /** Observes nothing; the default when metrics are off. */
    ExchangeObserver NONE = new ExchangeObserver() {
    };

    /**
     * One attempt on a backend ended.
     *
     * @param status     the backend's status code, or -1 when it gave no answer (refused, timed out)
     * @param startNanos {@link System#nanoTime()} when the attempt started
     */
    default void attemptEnded(Backend backend, int status, long startNanos) {
    }

    /**
     * The exchange with the client ended.
     *
     * @param status     the status sent to the client, or -1 when none could be sent
     * @param startNanos {@link System#nanoTime()} when the request arrived
     */
    default void exchangeEnded(int status, long startNanos) {
    }

    /**
     * The request failed on {@code from} and is sent again, as {@code how} says: to {@code from} on a
     * fresh connection, or to another backend.
     */
    default void retried(Backend from, RetryPolicy.Decision how) {
    }

    /** The request failed on {@code from} and could have been retried, but the retry budget was spent. */
    default void retryRefused(Backend from) {
    }
}
