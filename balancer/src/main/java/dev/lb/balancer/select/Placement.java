package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

/**
 * What one request brings to its placement besides the candidates: a hash key for the {@code hash}
 * algorithm and the backend its sticky cookie names. Built once per request.
 *
 * @param keyed     whether the request carries a hash key; without one, {@code hash} falls back to
 *                  least-connections
 * @param keyHash   the key's 64-bit hash, when {@code keyed}
 * @param preferred the backend the request's sticky cookie names, in rotation when it was read; null for none
 */
public record Placement(boolean keyed, long keyHash, Backend preferred) {
    /** A request with neither key nor cookie. */
    public static final Placement NONE = new Placement(false, 0, null);

    public static Placement ofKey(String key) {
        return new Placement(true, KeyHash.of(key), null);
    }

    public Placement preferring(Backend backend) {
        return new Placement(keyed, keyHash, backend);
    }
}
