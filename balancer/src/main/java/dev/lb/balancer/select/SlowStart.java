package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Slow start (nginx Plus {@code slow_start}, Envoy's {@code slow_start_config}): a backend that enters
 * rotation (comes UP, is enabled, added, or back from an ejection) takes a share of the requests offered
 * to it that grows linearly from {@value #INITIAL_SHARE} to all of them over the window. JVM backends
 * need their JIT and caches warm; a cold one taking a full share at once is a familiar outage.
 */
public final class SlowStart {
    /** The share a backend takes the moment it enters rotation. */
    public static final double INITIAL_SHARE = 0.1;

    private SlowStart() {
    }

    /**
     * The share of its turns a backend takes at {@code now}: 1 once the window is over, when slow start
     * is off ({@code window} zero), or for a backend in rotation since start ({@code entered} null).
     */
    public static double share(Instant entered, Instant now, Duration window) {
        if (entered == null || window.isZero()) {
            return 1;
        }
        long elapsed = Duration.between(entered, now).toMillis();
        long total = window.toMillis();
        if (elapsed >= total) {
            return 1;
        }
        return INITIAL_SHARE + (1 - INITIAL_SHARE) * Math.max(0, elapsed) / total;
    }

    /** How long the backend's ramp still runs at {@code now}; empty when it is not ramping. */
    public static Optional<Duration> remaining(Backend backend, Instant now, Duration window) {
        if (share(backend.enteredRotation(), now, window) >= 1) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, backend.enteredRotation().plus(window)));
    }
}
