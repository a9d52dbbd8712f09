package dev.lb.balancer.backend;

import java.time.Duration;
import java.time.Instant;

/**
 * The outcome of one active health check.
 *
 * @param healthy whether the backend passed
 * @param detail  "HTTP 200" on success, the reason on failure
 * @param at      when the check finished
 * @param latency how long it took
 */
public record CheckResult(boolean healthy, String detail, Instant at, Duration latency) {
}
