package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** requestIdHeader, accessLog and tls: optional, with defaults, and every mistake named with its fix. */
class EdgeConfigTest {
    private static final String SERVERS = "\"servers\": [{\"url\": \"http://localhost:8001\"}]";

    private static BalancerConfig parse(String fields) throws ConfigException {
        return ConfigLoader.parse("{\"port\": 8080, " + SERVERS + (fields.isEmpty() ? "" : ", " + fields) + "}", "c.json");
    }

    private static String problem(String fields) {
        return assertThrows(ConfigException.class, () -> parse(fields)).getMessage();
    }

    @Test
    void theOldFormatGetsRequestIdsNoAccessLogAndPlainHttp() throws Exception {
        BalancerConfig config = ConfigLoader.parse(
                "{\"port\":8080,\"servers\":[{\"url\":\"http://localhost:8001\",\"healthy\":false}],\"healthCheckInterval\":10}", "c.json");
        assertEquals("X-Request-Id", config.requestIdHeader());
        assertFalse(config.accessLog().enabled());
        assertFalse(config.tls().enabled());
    }

    @Test
    void requestIdHeaderRenamesOrTurnsOff() throws Exception {
        assertEquals("X-Trace-Id", parse("\"requestIdHeader\": \"X-Trace-Id\"").requestIdHeader());
        assertEquals("", parse("\"requestIdHeader\": \"\"").requestIdHeader());
        assertEquals("c.json: requestIdHeader \"X Trace\" is not a header name; use letters, digits and hyphens,"
                + " e.g. \"X-Request-Id\", or \"\" to turn request IDs off", problem("\"requestIdHeader\": \"X Trace\""));
    }

    @Test
    void accessLogTakesAPathAndAFormatCombinedByDefault() throws Exception {
        assertEquals(new AccessLogConfig(true, "/var/log/lb/access.log", AccessLogConfig.Format.COMBINED),
                parse("\"accessLog\": {\"path\": \"/var/log/lb/access.log\"}").accessLog());
        assertEquals(new AccessLogConfig(true, "-", AccessLogConfig.Format.JSON),
                parse("\"accessLog\": {\"path\": \"-\", \"format\": \"json\"}").accessLog());
        assertEquals("c.json: accessLog.format \"clf\" is not a log format; use one of \"combined\", \"json\"",
                problem("\"accessLog\": {\"path\": \"-\", \"format\": \"clf\"}"));
        assertEquals("c.json: accessLog.path missing; give a file to append to, or \"-\" for standard output",
                problem("\"accessLog\": {\"format\": \"json\"}"));
    }

    @Test
    void tlsTakesBothFilesAndAnOptionalCheckInterval() throws Exception {
        TlsConfig tls = parse("\"tls\": {\"certificateFile\": \"/etc/lb/fullchain.pem\", \"privateKeyFile\": \"/etc/lb/privkey.pem\"}").tls();
        assertEquals(new TlsConfig(true, Path.of("/etc/lb/fullchain.pem"), Path.of("/etc/lb/privkey.pem"), Duration.ofSeconds(5)), tls);
        assertEquals(Duration.ofMillis(500), parse("\"tls\": {\"certificateFile\": \"c\", \"privateKeyFile\": \"k\","
                + " \"checkIntervalMs\": 500}").tls().checkInterval());
        assertEquals("c.json: tls.privateKeyFile missing; give the PEM file with the private key, e.g."
                + " \"/etc/letsencrypt/live/example.com/privkey.pem\"", problem("\"tls\": {\"certificateFile\": \"c\"}"));
        assertEquals("c.json: unknown field \"tls.certFile\"", problem("\"tls\": {\"certFile\": \"c\"}").replaceAll(";.*", ""));
        assertEquals("c.json: tls is served by the JDK's server only; remove \"server\": \"jetty\" to terminate TLS",
                problem("\"server\": \"jetty\", \"tls\": {\"certificateFile\": \"c\", \"privateKeyFile\": \"k\"}"));
    }
}
