package dev.lb.balancer.testing;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;

import java.net.URI;
import java.util.List;

/** Starts in-JVM balancers on ephemeral ports for proxy tests. */
public final class Balancers {
    private Balancers() {
    }

    /**
     * A started balancer in front of {@code backendUrls} ({@code http://127.0.0.1:PORT}), all assumed
     * healthy. Health checks run once at start and then hourly, so only requests change health, unless
     * {@code extraJson} sets {@code healthCheckInterval}.
     *
     * @param extraJson further top-level config fields, e.g. {@code "\"retries\": 1"}, or empty
     */
    public static Balancer start(List<String> backendUrls, String extraJson) throws StartupException {
        int[] ports = backendUrls.stream().mapToInt(url -> URI.create(url).getPort()).toArray();
        String extra = "\"healthCheckInterval\": 3600" + (extraJson.isBlank() ? "" : ", " + extraJson);
        return new Balancer(TestConfigs.forBackends(extra, ports)).start();
    }
}
