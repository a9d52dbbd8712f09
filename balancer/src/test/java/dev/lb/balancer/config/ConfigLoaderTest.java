package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static final String SEED = """
            {"port": 8080, "servers": [
              {"url": "http://localhost:8001", "healthy": false},
              {"url": "http://localhost:8002", "healthy": false},
              {"url": "http://localhost:8003", "healthy": false}],
             "healthCheckInterval": 10}""";

    @Test
    void seedFormatIsAcceptedUnchangedWithDefaultsForEverythingElse() throws Exception {
        BalancerConfig config = ConfigLoader.parse(SEED, "config.json");

        assertEquals(8080, config.port());
        assertEquals(3, config.servers().size());
        ServerConfig first = config.servers().get(0);
        assertEquals(URI.create("http://localhost:8001"), first.url());
        assertFalse(first.initialHealthy());
        assertEquals(1, first.weight());
        assertEquals("http://localhost:8001", first.name());
        assertEquals(Duration.ofSeconds(10), config.healthCheck().interval());
        assertEquals("/health", config.healthCheck().path());
        assertEquals(Algorithm.LEAST_CONNECTIONS, config.algorithm());
        assertEquals(9090, config.adminPort());
        assertEquals("127.0.0.1", config.adminHost());
        assertEquals(2, config.retries());
    }

    @Test
    void optionalFieldsOverrideDefaults() throws Exception {
        BalancerConfig config = ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81", "weight": 3, "name": "a"}],
                 "healthCheckInterval": 2, "algorithm": "round-robin", "retries": 0,
                 "adminPort": 9999, "adminHost": "0.0.0.0",
                 "healthCheck": {"path": "/ready", "timeoutMs": 500, "healthyThreshold": 3, "unhealthyThreshold": 2},
                 "timeouts": {"connectMs": 100, "readMs": 200}}""", "c.json");

        assertEquals(Algorithm.ROUND_ROBIN, config.algorithm());
        assertEquals(0, config.retries());
        assertEquals(9999, config.adminPort());
        assertEquals("0.0.0.0", config.adminHost());
        assertEquals(new HealthCheckConfig("/ready", Duration.ofSeconds(2), Duration.ofMillis(500), 3, 2),
                config.healthCheck());
        assertEquals(new TimeoutConfig(Duration.ofMillis(100), Duration.ofMillis(200)), config.timeouts());
        assertEquals(new ServerConfig(URI.create("http://10.0.0.1:81"), "a", 3, true), config.servers().get(0));
    }

    @Test
    void clientAndPoolTimeoutsHaveDefaultsAndCanBeSet() throws Exception {
        TimeoutConfig defaults = ConfigLoader.parse(SEED, "c.json").timeouts();
        assertEquals(Duration.ofSeconds(4), defaults.backendIdle());
        assertEquals(Duration.ofSeconds(10), defaults.requestHead());
        assertEquals(Duration.ofSeconds(30), defaults.requestBodyIdle());

        TimeoutConfig set = ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}],
                 "timeouts": {"backendIdleMs": 1500, "requestHeadMs": 2500, "requestBodyIdleMs": 3500}}""",
                "c.json").timeouts();
        assertEquals(new TimeoutConfig(Duration.ofMillis(2000), Duration.ofMillis(30000), Duration.ofMillis(1500),
                Duration.ofMillis(2500), Duration.ofMillis(3500)), set);
    }

    @Test
    void theRetryBudgetHasDefaultsAndCanBeSet() throws Exception {
        assertEquals(new RetryBudgetConfig(20, 3), ConfigLoader.parse(SEED, "c.json").retryBudget());

        RetryBudgetConfig set = ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}],
                 "retryBudget": {"percent": 5, "minPerSecond": 0}}""", "c.json").retryBudget();
        assertEquals(new RetryBudgetConfig(5, 0), set);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"percent\": 101}      | c.json: retryBudget.percent 101 is out of range; use 0 to 100",
            "{\"percent\": 2.5}      | c.json: retryBudget.percent must be a whole number between 0 and 100, not 2.5",
            "{\"minPerSecond\": -1}  | c.json: retryBudget.minPerSecond -1 is out of range; use 0 to 100000",
            "{\"percentage\": 10}    | c.json: unknown field \"retryBudget.percentage\"; did you mean \"percent\"?",
            "20                      | c.json: retryBudget must be a JSON object, not a number"})
    void aWrongRetryBudgetIsRefusedWithItsPath(String budget, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "{\"port\": 9000, \"servers\": [{\"url\": \"http://10.0.0.1:81\"}], \"retryBudget\": " + budget + "}",
                "c.json"));
        assertEquals(message, e.getMessage());
    }

    @Test
    void theDirectClientIsTheDefaultAndOkHttpIsAChoice() throws Exception {
        assertEquals(BackendClientKind.DIRECT, ConfigLoader.parse(SEED, "config.json").backendClient());
        assertEquals(BackendClientKind.OKHTTP, ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "backendClient": "okhttp"}""", "c.json")
                .backendClient());
    }

    @Test
    void autoIsTheDefaultAndJdkAndJettyAreChoices() throws Exception {
        assertEquals(ServerKind.AUTO, ConfigLoader.parse(SEED, "config.json").server());
        assertEquals(ServerKind.JDK, ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "server": "jdk"}""", "c.json").server());
        assertEquals(ServerKind.JETTY, ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "server": "jetty"}""", "c.json").server());
    }

    @Test
    void robahosServerAndAutoAreChoicesAndAnUnknownOneNamesThem() throws Exception {
        assertEquals(ServerKind.ROBAHO, ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "server": "robaho"}""", "c.json").server());
        assertEquals(ServerKind.AUTO, ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "server": "auto"}""", "c.json").server());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "server": "netty"}""", "c.json"));
        assertTrue(e.getMessage().endsWith("use one of \"jdk\", \"jetty\", \"robaho\", \"auto\""), e.getMessage());
    }

    @Test
    void aRequestHeadTimeoutBelow100MsIsRefusedWithItsPath() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                {"port": 9000, "servers": [{"url": "http://10.0.0.1:81"}], "timeouts": {"requestHeadMs": 5}}""",
                "c.json"));
        assertTrue(e.getMessage().contains("timeouts.requestHeadMs 5 is out of range"), e.getMessage());
    }

    @Test
    void missingFileNamesThePathAndTheOption(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json: config file not found"), e.getMessage());
        assertTrue(e.getMessage().contains("--config"), e.getMessage());
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), SEED);
        assertEquals(3, ConfigLoader.load(file).servers().size());
    }

    @Test
    void invalidJsonSaysWhere() {
        String message = problem("{\"port\": 8080,\n \"servers\": [,]}");
        assertTrue(message.startsWith("c.json: invalid JSON at line 2, column"), message);
    }

    @Test
    void truncatedJsonSaysWhatIsMissingWithoutParserInternals() {
        String message = problem("{\"port\": 8080, \"servers\": [");
        assertTrue(message.startsWith("c.json: invalid JSON at line 1, column"), message);
        assertTrue(message.contains("expected close marker for Array"), message);
        assertFalse(message.contains("Source"), message);
    }

    @Test
    void aStrayCloseMarkerSaysWhereWithoutParserInternals() {
        String message = problem("{\"port\":8080,\"servers\":[}");
        assertEquals("c.json: invalid JSON at line 1, column 25: Unexpected close marker '}': expected ']'"
                + " (for Array starting at line 1, column 24)", message);
    }

    @Test
    void misspeltFieldIsNamedWithASuggestion() {
        String message = problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001"}], "healthCheckIntervall": 10}""");
        assertEquals("c.json: unknown field \"healthCheckIntervall\"; did you mean \"healthCheckInterval\"?", message);
    }

    @Test
    void unknownNestedFieldIsNamedWithItsPath() {
        String message = problem("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001", "helthy": true}]}""");
        assertTrue(message.contains("unknown field \"servers[0].helthy\"; did you mean \"healthy\"?"), message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no servers field         | {\"port\": 8080}                                                    | servers missing",
            "empty server list        | {\"port\": 8080, \"servers\": []}                                   | servers is empty",
            "servers not a list       | {\"port\": 8080, \"servers\": {}}                                   | servers must be a list",
            "malformed url            | {\"port\": 8080, \"servers\": [{\"url\": \"htp:/x\"}]}              | servers[0].url \"htp:/x\" is not an http(s) URL",
            "url with a path          | {\"port\": 8080, \"servers\": [{\"url\": \"http://a:1/api\"}]}      | servers[0].url \"http://a:1/api\" must be a base URL",
            "server without url       | {\"port\": 8080, \"servers\": [{\"healthy\": true}]}                | servers[0].url missing",
            "duplicate url            | {\"port\": 8080, \"servers\": [{\"url\": \"http://a:1\"}, {\"url\": \"http://a:1/\"}]} | servers[1].url \"http://a:1\" is listed twice",
            "port out of range        | {\"port\": 70000, \"servers\": [{\"url\": \"http://a:1\"}]}         | port 70000 is out of range; use 0 to 65535",
            "negative port            | {\"port\": -1, \"servers\": [{\"url\": \"http://a:1\"}]}            | port -1 is out of range",
            "port not a number        | {\"port\": \"8080\", \"servers\": [{\"url\": \"http://a:1\"}]}      | port must be a whole number",
            "missing port             | {\"servers\": [{\"url\": \"http://a:1\"}]}                          | port missing",
            "unknown algorithm        | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}], \"algorithm\": \"random\"} | algorithm \"random\" is not an algorithm",
            "zero interval            | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}], \"healthCheckInterval\": 0} | healthCheckInterval 0 is out of range",
            "healthy not a boolean    | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\", \"healthy\": \"yes\"}]} | servers[0].healthy must be true or false",
            "admin port clashes       | {\"port\": 9090, \"servers\": [{\"url\": \"http://a:1\"}]}          | adminPort 9090 is also the proxy's \"port\"",
            "top level not an object  | [1, 2]                                                              | the top level must be a JSON object",
            "unknown server           | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}], \"server\": \"netty\"} | server \"netty\" is not an HTTP server; use one of \"jdk\", \"jetty\"",
            "unknown backend client   | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}], \"backendClient\": \"curl\"} | backendClient \"curl\" is not a backend client; use one of \"direct\", \"okhttp\"",
            "threshold zero           | {\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}], \"healthCheck\": {\"healthyThreshold\": 0}} | healthCheck.healthyThreshold 0 is out of range",
    })
    void everyValidationErrorNamesTheField(String situation, String json, String expected) {
        String message = problem(json);
        assertTrue(message.startsWith("c.json: "), message);
        assertTrue(message.contains(expected), () -> situation + ": expected '" + expected + "' in: " + message);
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void emptyFileIsReported() {
        assertTrue(problem("").contains("config file is empty"));
    }

    private static String problem(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(json, "c.json")).getMessage();
    }
}
