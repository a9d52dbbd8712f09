package dev.lb.balancer.metrics;

import dev.lb.balancer.config.MetricsConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Whether the metrics listener is readable in plaintext beyond this host. Metrics and the status page
 * are read-only, and exporters are usually plaintext, so that is allowed, but said once at start: they
 * name every backend and its traffic.
 */
final class MetricsExposure {
    private MetricsExposure() {
    }

    /** The warning to log at start; empty on loopback or with {@code metricsTls}. */
    static Optional<String> warning(MetricsConfig config) {
        if (!config.enabled() || config.tls().isPresent() || loopback(config.host())) {
            return Optional.empty();
        }
        return Optional.of("metrics and the status page on " + config.host() + " are plaintext beyond loopback:"
                + " anyone who reaches the port can read backends and traffic; set \"metricsTls\" to serve HTTPS"
                + " (or \"metricsHost\": \"127.0.0.1\" to keep them local)");
    }

    /** Whether every address the name stands for is a loopback one; an unresolvable name fails to bind right after. */
    static boolean loopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
