package dev.lb.balancer.config;

import java.net.URI;

/**
 * One backend as the config file declares it.
 *
 * @param url            base URL of the backend, e.g. {@code http://localhost:8001}
 * @param name           optional short name used by operators; the URL when the file gives none
 * @param weight         share of traffic relative to the other servers (1 by default, 0 = no new work)
 * @param initialHealthy the state assumed before the first health check answers
 */
public record ServerConfig(URI url, String name, int weight, boolean initialHealthy) {
}
