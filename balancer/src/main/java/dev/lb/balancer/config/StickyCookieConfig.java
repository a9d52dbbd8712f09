package dev.lb.balancer.config;

/**
 * Session affinity by a cookie the balancer sets (HAProxy's {@code cookie ... insert}, nginx's
 * {@code sticky cookie}, Envoy's cookie-based hash policy): the first answer names the chosen backend
 * by an opaque ID, later requests carrying it go back there while it can take them.
 *
 * @param enabled whether the cookie is set and honoured
 * @param name    the cookie's name
 */
public record StickyCookieConfig(boolean enabled, String name) {
    public static final String DEFAULT_NAME = "LB_BACKEND";
    public static final StickyCookieConfig OFF = new StickyCookieConfig(false, DEFAULT_NAME);
}
