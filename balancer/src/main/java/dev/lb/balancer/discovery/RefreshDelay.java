package dev.lb.balancer.discovery;

import java.time.Duration;

/** When a DNS name is asked again. */
final class RefreshDelay {
    /**
     * A record with TTL 0 would have the name asked in a loop: one second is the shortest wait, as for
     * HAProxy's {@code hold valid} floor.
     */
    static final Duration FLOOR = Duration.ofSeconds(1);

    private RefreshDelay() {
    }

    /** The configured refresh, or the answer's TTL when that is shorter, but never under {@link #FLOOR}. */
    static Duration next(Duration refresh, Duration ttl) {
        Duration wait = ttl != null && ttl.compareTo(refresh) < 0 ? ttl : refresh;
        return wait.compareTo(FLOOR) < 0 ? FLOOR : wait;
    }
}
