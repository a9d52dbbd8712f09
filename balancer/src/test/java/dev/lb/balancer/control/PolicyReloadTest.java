package dev.lb.balancer.control;

import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.config.StickyCookieConfig;
import dev.lb.balancer.select.TrafficPolicy;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Traffic policies changed by a reload, applied from the next request without moving anyone. */
class PolicyReloadTest {
    @TempDir
    Path dir;
    private TestBalancer live;

    @AfterEach
    void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void aReloadAppliesNewPoliciesAndEveryKeyKeepsItsBackend() throws Exception {
        // given keys hashed by path (no load bound: this is about placement, not load; checks only at
        // start, so that a check timing out on a busy machine cannot take a backend out meanwhile)
        String hash = "\"algorithm\": \"hash\", \"hashOn\": \"path\", \"hashBalanceFactor\": 0, \"healthCheckInterval\": 3600";
        live = TestBalancer.builder().backends(3).configFile(dir.resolve("balancer.json")).checkedEverySecond().json(hash).start();
        Map<String, String> home = homes();
        assertTrue(new HashSet<>(home.values()).size() > 1, "20 keys all on one backend: " + home);

        // when the file turns on the sticky cookie, slow start and ejection
        live.writeConfig(java.util.List.of(live.server(0), live.server(1), live.server(2)), hash + ", \"stickyCookie\": {\"name\": \"pin\"}, \"slowStartMs\": 5000, "
                + "\"passiveHealth\": {\"consecutive5xx\": 3}");
        ReloadOutcome outcome = live.control().reload();

        // then they apply, each change is reported, and every key still lands where it did
        assertTrue(outcome.applied(), outcome.summary());
        TrafficPolicy policy = live.balancer().queue().policy();
        assertEquals(new StickyCookieConfig(true, "pin"), policy.stickyCookie());
        assertEquals(Duration.ofSeconds(5), policy.slowStart());
        assertEquals(new PassiveHealthConfig(3, Duration.ofSeconds(30), 50), policy.passiveHealth());
        assertTrue(outcome.summary().contains("stickyCookie pin; slowStartMs 0 -> 5000; passiveHealth ejects after 3 "
                + "consecutive 5xx for 30000 ms, at most 50% of backends"), outcome.summary());
        assertEquals(home, homes());
        assertTrue(live.get("/k/1").headers().firstValue("Set-Cookie").orElse("").startsWith("pin="));
    }

    /** The backend that answers each of 20 paths. */
    private Map<String, String> homes() throws Exception {
        Map<String, String> home = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = live.get("/k/" + i);
            home.put("/k/" + i, response.headers().firstValue("X-Backend").orElse("?"));
        }
        return home;
    }
}
