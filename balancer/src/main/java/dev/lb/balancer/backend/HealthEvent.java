package dev.lb.balancer.backend;

import java.time.Instant;

/**
 * A backend changed health state.
 *
 * @param backend the backend's name (its URL unless the config named it)
 * @param url     the backend's base URL
 * @param from    state before
 * @param to      state after
 * @param reason  why, in a few words: "HTTP 503", "connection refused", "timed out after 2000 ms"
 * @param at      when the change was decided
 */
public record HealthEvent(String backend, String url, HealthState from, HealthState to, String reason, Instant at) {
}
