package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code servers[].maxConnections} and {@code queue}: optional, with defaults that change nothing. */
class OverloadConfigTest {
    @Test
    void theOldFormatHasNoCapAndTheDefaultQueue() throws Exception {
        BalancerConfig config = ConfigLoader.parse("""
                {"port":8080,"servers":[{"url":"http://localhost:8001","healthy":false}],"healthCheckInterval":10}""",
                "config.json");

        assertEquals(ServerConfig.NO_LIMIT, config.servers().get(0).maxConnections());
        assertEquals(new QueueConfig(1024, Duration.ofSeconds(5)), config.queue());
    }

    @Test
    void capsAndQueueLimitsAreRead() throws Exception {
        BalancerConfig config = ConfigLoader.parse("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001", "maxConnections": 100},
                                           {"url": "http://localhost:8002"}],
                 "queue": {"maxSize": 0, "timeoutMs": 250}}""", "c.json");

        assertEquals(100, config.servers().get(0).maxConnections());
        assertEquals(ServerConfig.NO_LIMIT, config.servers().get(1).maxConnections());
        assertEquals(new QueueConfig(0, Duration.ofMillis(250)), config.queue());
    }

    @Test
    void aCapOfZeroIsRefusedNamingTheField() {
        String message = problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001", "maxConnections": 0}]}""");

        assertTrue(message.contains("servers[0].maxConnections 0 is out of range; use 1 to 1000000"), message);
    }

    @Test
    void queueFieldsAreCheckedLikeAnyOther() {
        assertTrue(problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001"}], "queue": {"timeoutMs": 0}}""")
                .contains("queue.timeoutMs 0 is out of range"));
        assertTrue(problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001"}], "queue": {"maxSzie": 5}}""")
                .contains("unknown field \"queue.maxSzie\"; did you mean \"maxSize\"?"));
        assertTrue(problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001"}], "queue": 5}""")
                .contains("queue must be a JSON object"));
    }

    private static String problem(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(json, "c.json")).getMessage();
    }
}
