package dev.lb.balancer.backend;

import java.time.Instant;

/**
 * An operator (or a config reload) changed a backend: its admin state or weight, or added, removed or
 * finished draining it.
 *
 * @param backend the backend's name
 * @param url     the backend's base URL
 * @param change  what changed
 * @param from    the value before, as shown to operators ("ready", "3"); empty for {@link Change#ADDED}
 * @param to      the value after; empty for {@link Change#REMOVED}
 * @param actor   who asked: "admin", "reload", ...
 * @param at      when the change was made
 */
public record AdminEvent(String backend, String url, Change change, String from, String to, String actor, Instant at) {

    /** The kinds of change. */
    public enum Change {
        /** Admin state changed (ready, draining, maintenance). */
        STATE,
        /** Weight changed. */
        WEIGHT,
        /** Backend joined the pool (not yet in rotation: it is health-checked first). */
        ADDED,
        /** Backend left the pool. */
        REMOVED,
        /** A drain finished: no request is in flight any more. */
        DRAINED
    }
}
