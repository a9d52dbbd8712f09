package dev.lb.balancer.config;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config loader under any file content: a valid config, or one {@link ConfigException} whose message
 * is one line naming the file; never another exception (a stack trace in place of the one line the
 * operator was promised), and within the per-input time-out (no hang). The fuzz campaign runs with a
 * small heap (bench/fuzz.sh), so an allocation that grows with a number in the file shows as an
 * OutOfMemoryError. Replayed over {@code ConfigLoaderFuzzTestInputs} by every build; fuzzed by
 * {@code bench/fuzz.sh}.
 */
class ConfigLoaderFuzzTest {

    @FuzzTest
    void anyFileGivesAConfigOrOneOneLineConfigException(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            BalancerConfig config = ConfigLoader.parse(text, "config.json");
            assertNotNull(config);
            assertTrue(config.port() >= 0 && config.port() <= 65535, "port " + config.port());
            assertFalse(config.servers() == null);
        } catch (ConfigException e) {
            String message = e.getMessage();
            assertNotNull(message);
            assertTrue(message.startsWith("config.json"), "the message names the file: " + message);
            assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        }
    }
}
