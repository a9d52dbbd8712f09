package dev.lb.balancer.backend;

import java.time.Instant;

/**
 * A membership source (a DNS name, an etcd prefix) became unreachable, or answers again. Told once per
 * change of state, never once per failed attempt.
 *
 * @param source   the source as the config names it, e.g. {@code etcd /lb/backends/}
 * @param up       true when it answers again, false when it started failing
 * @param reason   why it failed, e.g. {@code UNAVAILABLE: io exception}; empty when up
 * @param backends the backends it names now: those kept while it fails, those of its answer when up
 * @param at       when the balancer noticed
 */
public record SourceEvent(String source, boolean up, String reason, int backends, Instant at) {
}
