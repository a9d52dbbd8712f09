package dev.lb.balancer.accesslog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.config.AccessLogConfig;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per entry, in nginx's combined or as JSON, that no client-sent value can break or forge. */
class AccessLogFormatTest {
    private static final Instant AT = Instant.parse("2026-11-28T07:37:56.123Z");
    private static final String HOSTILE = "evil\"\\\n127.0.0.1 - - [forged] \"GET / HTTP/1.1\" 200\u2028\u00e9\u0001";

    private static AccessLogEntry entry(String userAgent, String referer, String error) {
        return new AccessLogEntry(AT, "203.0.113.7", "GET", "/a?b=c", "HTTP/1.1", 200, 12, 345,
                1_234_567, "app-1", 1_000_000, 1, "0af7651916cd43dd8448eb211c80319c", userAgent, referer, error);
    }

    @Test
    void combinedIsNginxsCombinedFollowedByTheRequestTimeInSeconds() {
        String line = AccessLogFormat.format(AccessLogConfig.Format.COMBINED, entry("curl/8.5.0", "", ""));
        assertEquals("203.0.113.7 - - [28/Nov/2026:07:37:56 +0000] \"GET /a?b=c HTTP/1.1\" 200 345 \"-\" \"curl/8.5.0\" 0.001234",
                line);
    }

    @Test
    void combinedEscapesQuotesBackslashesAndEveryNonPrintableByte() {
        String line = AccessLogFormat.format(AccessLogConfig.Format.COMBINED, entry(HOSTILE, "", ""));
        assertFalse(line.contains("\n") || line.contains("\u2028") || line.contains("\u0001"), line);
        assertTrue(line.contains("\"evil\\x22\\x5c\\x0a127.0.0.1 - - [forged] \\x22GET / HTTP/1.1\\x22 200\\u2028\\xe9\\x01\""), line);
    }

    @Test
    void jsonHasEveryFieldAndRoundTripsHostileValuesOnOneLine() throws Exception {
        String line = AccessLogFormat.format(AccessLogConfig.Format.JSON, entry(HOSTILE, "https://ref.example/", "timeout"));
        assertFalse(line.contains("\n") || line.contains("\u2028"), line);
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("2026-11-28T07:37:56.123Z", json.get("time").textValue());
        assertEquals("203.0.113.7", json.get("client").textValue());
        assertEquals("GET", json.get("method").textValue());
        assertEquals("/a?b=c", json.get("path").textValue());
        assertEquals("HTTP/1.1", json.get("protocol").textValue());
        assertEquals(200, json.get("status").intValue());
        assertEquals(12, json.get("bytesIn").longValue());
        assertEquals(345, json.get("bytesOut").longValue());
        assertEquals(1.234, json.get("durationMs").doubleValue(), 1e-9);
        assertEquals("app-1", json.get("backend").textValue());
        assertEquals(1.0, json.get("backendMs").doubleValue(), 1e-9);
        assertEquals(1, json.get("retries").intValue());
        assertEquals("0af7651916cd43dd8448eb211c80319c", json.get("requestId").textValue());
        assertEquals(HOSTILE, json.get("userAgent").textValue());
        assertEquals("https://ref.example/", json.get("referer").textValue());
        assertEquals("timeout", json.get("error").textValue());
    }

    @Test
    void jsonWritesNullBackendTimeWhenNoBackendWasTried() throws Exception {
        AccessLogEntry none = new AccessLogEntry(AT, "::1", "GET", "/", "HTTP/1.1", 503, 0, 60, 5_000, "", -1, 0,
                "", "", "", "no-backend");
        JsonNode json = new ObjectMapper().readTree(AccessLogFormat.format(AccessLogConfig.Format.JSON, none));
        assertTrue(json.get("backendMs").isNull());
        assertEquals(0.005, json.get("durationMs").doubleValue(), 1e-9);
        assertEquals("", json.get("backend").textValue());
    }
}
