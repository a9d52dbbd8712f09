package dev.lb.balancer.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Builds configs for tests: ephemeral ports everywhere, fast health checks, extra fields as JSON. */
public final class TestConfigs {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestConfigs() {
    }

    /**
     * A config on port 0 in front of the given backend ports, as JSON text.
     *
     * @param extraJson top-level fields that are added or replace the defaults, e.g. {@code "\"retries\": 0"}
     */
    public static String json(String extraJson, int... backendPorts) {
        ObjectNode root = MAPPER.createObjectNode()
                .put("port", 0)
                .put("host", "127.0.0.1")
                .put("adminPort", 0)
                .put("healthCheckInterval", 1);
        root.putObject("healthCheck").put("timeoutMs", TestBalancer.CHECK_TIMEOUT_MS);
        ArrayNode servers = root.putArray("servers");
        for (int port : backendPorts) {
            servers.addObject().put("url", "http://127.0.0.1:" + port).put("healthy", true);
        }
        try {
            if (!extraJson.isBlank()) {
                root.setAll((ObjectNode) MAPPER.readTree("{" + extraJson + "}"));
            }
            return MAPPER.writeValueAsString(withTestServer(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The system property {@value #SERVER_PROPERTY} (e.g. {@code jetty}) runs a test's balancers on that
     * HTTP server, unless the test chose one; the hardening suites run once per server this way
     * (balancer/pom.xml).
     */
    public static final String SERVER_PROPERTY = "lb.test.server";

    /**
     * A whole config's JSON with the {@value #SERVER_PROPERTY} server added, for tests that write their
     * own; the text as it is when neither property is set.
     */
    public static String withTestServer(String configJson) {
        if (System.getProperty(SERVER_PROPERTY, "").isBlank() && System.getProperty(BACKEND_CLIENT_PROPERTY, "").isBlank()) {
            return configJson;
        }
        try {
            return MAPPER.writeValueAsString(withTestServer((ObjectNode) MAPPER.readTree(configJson)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The system property {@value #BACKEND_CLIENT_PROPERTY} (e.g. {@code okhttp}) has a test's balancers
     * reach plain-HTTP backends with that client, unless the test chose one; the forwarding and
     * backend-failure suites run once per client this way (balancer/pom.xml).
     */
    public static final String BACKEND_CLIENT_PROPERTY = "lb.test.backendClient";

    private static ObjectNode withTestServer(ObjectNode root) {
        String server = System.getProperty(SERVER_PROPERTY, "");
        if (!server.isBlank() && !root.has("server")) {
            root.put("server", server);
        }
        String backendClient = System.getProperty(BACKEND_CLIENT_PROPERTY, "");
        if (!backendClient.isBlank() && !root.has("backendClient")) {
            root.put("backendClient", backendClient);
        }
        return root;
    }

    /** {@link #json} parsed and validated by the real loader. */
    public static BalancerConfig forBackends(String extraJson, int... backendPorts) {
        try {
            return ConfigLoader.parse(json(extraJson, backendPorts), "test-config.json");
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
