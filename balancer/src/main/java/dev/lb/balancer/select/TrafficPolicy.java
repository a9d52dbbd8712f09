package dev.lb.balancer.select;

import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.HashConfig;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.config.StickyCookieConfig;

import java.time.Duration;

/**
 * The traffic-policy settings in effect, replaced as one value by a reload and read once per request.
 *
 * @param hash          what the {@code hash} algorithm hashes, and its load bound
 * @param stickyCookie  the affinity cookie
 * @param slowStart     the ramp of a backend entering rotation; zero for none
 * @param passiveHealth ejection for 5xx answers
 */
public record TrafficPolicy(HashConfig hash, StickyCookieConfig stickyCookie, Duration slowStart,
                            PassiveHealthConfig passiveHealth) {
    /** No cookie, no ramp, no ejection. */
    public static final TrafficPolicy DEFAULT = new TrafficPolicy(HashConfig.DEFAULT, StickyCookieConfig.OFF,
            Duration.ZERO, PassiveHealthConfig.OFF);

    public static TrafficPolicy of(BalancerConfig config) {
        return new TrafficPolicy(config.hash(), config.stickyCookie(), config.slowStart(), config.passiveHealth());
    }
}
