package dev.lb.balancer.testing;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;

import java.util.List;
import java.util.stream.Collectors;

/** Starts in-JVM balancers on ephemeral ports for tests. */
public final class Balancers {
    private Balancers() {
    }

    /**
     * A started balancer in front of {@code backendUrls}, all assumed healthy, with health checks every
     * hour (so only requests change health) unless {@code extraJson} says otherwise.
     *
     * @param extraJson further top-level config fields, e.g. {@code "\"retries\": 1"}, or empty
     */
    public static Balancer start(List<String> backendUrls, String extraJson) throws ConfigException, StartupException {
        String servers = backendUrls.stream().map(u -> "{\"url\": \"" + u + "\"}").collect(Collectors.joining(", "));
        String interval = extraJson.contains("healthCheckInterval") ? "" : "\"healthCheckInterval\": 3600, ";
        String json = "{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, " + interval
                + "\"servers\": [" + servers + "]" + (extraJson.isEmpty() ? "" : ", " + extraJson) + "}";
        return new Balancer(ConfigLoader.parse(json, "test-config")).start();
    }
}
