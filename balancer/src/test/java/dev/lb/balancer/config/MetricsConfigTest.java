package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsConfigTest {
    private static final String SERVERS = "\"servers\": [{\"url\": \"http://localhost:8001\"}]";

    @Test
    void metricsAreOffWithoutAMetricsPort() throws Exception {
        BalancerConfig config = ConfigLoader.parse("{\"port\": 8080, " + SERVERS + "}", "c.json");
        assertFalse(config.metrics().enabled());
    }

    @Test
    void metricsPortTurnsTheEndpointOnBoundToLoopbackByDefault() throws Exception {
        BalancerConfig config = ConfigLoader.parse("{\"port\": 8080, \"metricsPort\": 9100, " + SERVERS + "}", "c.json");
        assertEquals(new MetricsConfig(true, "127.0.0.1", 9100), config.metrics());
    }

    @Test
    void metricsHostIsHonoured() throws Exception {
        BalancerConfig config = ConfigLoader.parse(
                "{\"port\": 8080, \"metricsPort\": 9100, \"metricsHost\": \"0.0.0.0\", " + SERVERS + "}", "c.json");
        assertEquals("0.0.0.0", config.metrics().host());
    }

    @Test
    void metricsPortSharedWithTheProxyIsRejectedWithTheFix() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "{\"port\": 8080, \"metricsPort\": 8080, " + SERVERS + "}", "c.json"));
        assertEquals("c.json: metricsPort 8080 is also the proxy's \"port\"; give the metrics endpoint a port of its own",
                e.getMessage());
    }

    @Test
    void misspeltMetricsFieldGetsASuggestion() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "{\"port\": 8080, \"metricPort\": 9100, " + SERVERS + "}", "c.json"));
        assertTrue(e.getMessage().contains("did you mean \"metricsPort\""), e.getMessage());
    }

    @Test
    void metricsPortOutOfRangeIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "{\"port\": 8080, \"metricsPort\": 70000, " + SERVERS + "}", "c.json"));
        assertEquals("c.json: metricsPort 70000 is out of range; use 0 to 65535", e.getMessage());
    }
}
