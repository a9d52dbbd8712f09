package dev.lb.balancer.config;

import java.time.Duration;

/**
 * The one queue where requests wait while every backend they may go to is at its
 * {@code maxConnections} (HAProxy's {@code maxqueue} and {@code timeout queue}).
 *
 * @param maxSize how many requests may wait at once; a request that finds the queue full is refused
 *                at once; 0 means no waiting at all
 * @param timeout how long a request waits for a free slot before it is refused
 */
public record QueueConfig(int maxSize, Duration timeout) {
    public static final int DEFAULT_MAX_SIZE = 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The queue a config without a {@code queue} object gets. */
    public static final QueueConfig DEFAULT = new QueueConfig(DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT);
}
