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

    /** The request goes to another backend because {@code from} could not be reached. */
    default void retried(Backend from) {
    }
}
