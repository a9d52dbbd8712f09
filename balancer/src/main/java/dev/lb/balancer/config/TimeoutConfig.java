package dev.lb.balancer.config;

import java.time.Duration;

/**
 * Limits on the exchange with a backend.
 *
 * @param connect time allowed to open a TCP connection to a backend
 * @param read    longest silence allowed while waiting for the backend's response (headers or body)
 */
public record TimeoutConfig(Duration connect, Duration read) {
}
