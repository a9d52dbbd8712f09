package dev.lb.balancer.config;

import java.time.Duration;

/**
 * Ejection of backends that answer, but answer badly (Envoy's outlier detection, nginx's
 * {@code max_fails}/{@code fail_timeout}).
 *
 * @param consecutive5xx     5xx answers in a row that eject a backend; 0 turns ejection off
 * @param ejection           how long the first ejection lasts; each further one of the same backend
 *                           before it is re-admitted lasts twice the one before, up to
 *                           {@value #MAX_MULTIPLIER} times this
 * @param maxEjectionPercent the most backends, as a percentage of the pool, that may be out by
 *                           ejection at once
 */
public record PassiveHealthConfig(int consecutive5xx, Duration ejection, int maxEjectionPercent) {
    public static final int MAX_MULTIPLIER = 10;
    public static final PassiveHealthConfig OFF = new PassiveHealthConfig(0, Duration.ofSeconds(30), 50);

    public boolean enabled() {
        return consecutive5xx > 0;
    }

    /** The length of the {@code n}-th ejection in a row (1-based): doubled each time, capped at 10x. */
    public Duration ejectionTime(int n) {
        long multiplier = n >= 5 ? MAX_MULTIPLIER : Math.min(MAX_MULTIPLIER, 1L << (n - 1));
        return ejection.multipliedBy(multiplier);
    }
}
