package dev.lb.balancer.config;

import java.net.URI;

/**
 * One backend as the config file declares it.
 *
 * @param url            base URL of the backend, e.g. {@code http://localhost:8001}
 * @param name           optional short name used by operators; the URL when the file gives none
 * @param weight         share of traffic relative to the other servers (1 by default, 0 = no new work)
 * @param initialHealthy the state assumed before the first health check answers
 * @param maxConnections the most requests in flight to this backend at once (HAProxy's per-server
 *                       {@code maxconn}); {@link #NO_LIMIT} when the config gives none
 */
public record ServerConfig(URI url, String name, int weight, boolean initialHealthy, int maxConnections) {
    /** A {@code maxConnections} that never holds a request back. */
    public static final int NO_LIMIT = 0;

    /** A backend without a cap on requests in flight. */
    public ServerConfig(URI url, String name, int weight, boolean initialHealthy) {
        this(url, name, weight, initialHealthy, NO_LIMIT);
    }
}
