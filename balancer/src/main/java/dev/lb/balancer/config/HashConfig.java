package dev.lb.balancer.config;

/**
 * The {@code hash} algorithm's settings: what it hashes and how far one backend may run ahead of the
 * average before a key passes on to the next backend on the ring ("Consistent Hashing with Bounded
 * Loads", HAProxy's {@code hash-balance-factor}).
 *
 * @param hashOn        where the key comes from
 * @param balanceFactor a backend with more than this times the average in-flight load per unit of weight
 *                      passes the key on; 0 turns the bound off (pure consistent hashing)
 */
public record HashConfig(HashOn hashOn, double balanceFactor) {
    public static final double DEFAULT_BALANCE_FACTOR = 1.25;
    public static final HashConfig DEFAULT = new HashConfig(HashOn.DEFAULT, DEFAULT_BALANCE_FACTOR);
}
