package dev.lb.balancer.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The traffic-policy settings: defaults that change nothing, every value read, every mistake named. */
class TrafficPolicyConfigTest {
    private static final String SERVERS = "\"port\": 1, \"servers\": [{\"url\": \"http://a:1\"}]";

    @Test
    void theOldFormatGetsNoPolicies() throws ConfigException {
        BalancerConfig config = ConfigLoader.parse(
                "{\"port\":8080,\"servers\":[{\"url\":\"http://localhost:8001\",\"healthy\":false}],\"healthCheckInterval\":10}", "c.json");

        assertEquals(HashConfig.DEFAULT, config.hash());
        assertEquals(StickyCookieConfig.OFF, config.stickyCookie());
        assertEquals(Duration.ZERO, config.slowStart());
        assertFalse(config.passiveHealth().enabled());
    }

    @Test
    void everyPolicyIsRead() throws ConfigException {
        BalancerConfig config = ConfigLoader.parse("{" + SERVERS + ", \"algorithm\": \"hash\", \"hashOn\": \"cookie:session\","
                + " \"hashBalanceFactor\": 1.5, \"stickyCookie\": {}, \"slowStartMs\": 30000,"
                + " \"passiveHealth\": {\"consecutive5xx\": 5, \"ejectionMs\": 10000, \"maxEjectionPercent\": 20}}", "c.json");

        assertEquals(Algorithm.HASH, config.algorithm());
        assertEquals(new HashConfig(new HashOn(HashOn.Source.COOKIE, "session"), 1.5), config.hash());
        assertEquals(new StickyCookieConfig(true, "LB_BACKEND"), config.stickyCookie());
        assertEquals(Duration.ofSeconds(30), config.slowStart());
        assertEquals(new PassiveHealthConfig(5, Duration.ofSeconds(10), 20), config.passiveHealth());
    }

    @Test
    void hashOnReadsEachSource() {
        assertEquals(HashOn.DEFAULT, HashOn.parse("client-ip").orElseThrow());
        assertEquals(new HashOn(HashOn.Source.PATH, ""), HashOn.parse("path").orElseThrow());
        assertEquals(new HashOn(HashOn.Source.HEADER, "X-User-Id"), HashOn.parse("header:X-User-Id").orElseThrow());
        assertEquals("header:X-User-Id", HashOn.parse("header:X-User-Id").orElseThrow().toString());
        assertTrue(HashOn.parse("header:").isEmpty());
        assertTrue(HashOn.parse("query:id").isEmpty());
    }

    @Test
    void ejectionsDoubleUpToTenTimes() {
        PassiveHealthConfig p = new PassiveHealthConfig(5, Duration.ofSeconds(30), 50);

        assertEquals(Duration.ofSeconds(30), p.ejectionTime(1));
        assertEquals(Duration.ofSeconds(60), p.ejectionTime(2));
        assertEquals(Duration.ofSeconds(240), p.ejectionTime(4));
        assertEquals(Duration.ofSeconds(300), p.ejectionTime(5));
        assertEquals(Duration.ofSeconds(300), p.ejectionTime(40));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown hash key        | \"hashOn\": \"query:id\"                         | hashOn \"query:id\" is not a hash key; use \"client-ip\", \"path\", \"header:NAME\" or \"cookie:NAME\"",
            "factor below one        | \"hashBalanceFactor\": 0.5                       | hashBalanceFactor 0.5 is out of range; use 1 to 100",
            "factor not a number     | \"hashBalanceFactor\": \"1.25\"                  | hashBalanceFactor must be a number",
            "cookie name with space  | \"stickyCookie\": {\"name\": \"my cookie\"}      | stickyCookie.name \"my cookie\" is not a cookie name",
            "misspelt cookie field   | \"stickyCookie\": {\"nmae\": \"x\"}              | unknown field \"stickyCookie.nmae\"; did you mean \"name\"?",
            "negative slow start     | \"slowStartMs\": -1                              | slowStartMs -1 is out of range",
            "percent over 100        | \"passiveHealth\": {\"maxEjectionPercent\": 150} | passiveHealth.maxEjectionPercent 150 is out of range; use 0 to 100",
            "misspelt passive field  | \"passiveHealth\": {\"consecutive500\": 5}       | unknown field \"passiveHealth.consecutive500\"; did you mean \"consecutive5xx\"?",
    })
    void everyMistakeNamesTheField(String situation, String extra, String expected) {
        String message = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("{" + SERVERS + ", " + extra + "}", "c.json")).getMessage();
        assertTrue(message.startsWith("c.json: "), message);
        assertTrue(message.contains(expected), () -> situation + ": expected '" + expected + "' in: " + message);
    }
}
