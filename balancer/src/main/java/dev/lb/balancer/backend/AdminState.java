package dev.lb.balancer.backend;

import java.util.Locale;

/**
 * What an operator decided about a backend, independent of its health. Only READY backends get new
 * requests; DRAINING lets the requests in flight finish; MAINTENANCE also pauses health checks.
 */
public enum AdminState {
    READY,
    DRAINING,
    MAINTENANCE;

    /** The lower-case name shown to operators and used in events: "ready", "draining", "maintenance". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
