package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.StickyIds;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import dev.lb.testing.Await;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hashing and sticky cookies through a real balancer in front of real backends. */
class AffinityTest {

    @Test
    void theSameHeaderKeyLandsOnTheSameBackendAcrossManyRequestsAndAReload() throws Exception {
        try (Backends three = new Backends(3);
             Balancer balancer = TestBalancer.builder().backendUrls(three.urls()).presumedHealthy().json("\"algorithm\": \"hash\", \"hashOn\": \"header:X-User\"").startBalancer()) {
            // given where each of 30 users lands
            Map<String, String> home = new HashMap<>();
            for (int u = 0; u < 30; u++) {
                home.put("u" + u, get(balancer, "X-User: u" + u).bodyText());
            }
            assertTrue(new HashSet<>(home.values()).size() > 1, "30 users all on one backend: " + home);

            // when they come back, and again after the hash settings are reloaded
            for (int round = 0; round < 3; round++) {
                for (var user : home.entrySet()) {
                    assertEquals(user.getValue(), get(balancer, "X-User: " + user.getKey()).bodyText(), user.getKey());
                }
            }
            balancer.queue().policy(new dev.lb.balancer.select.TrafficPolicy(
                    new dev.lb.balancer.config.HashConfig(dev.lb.balancer.config.HashOn.parse("header:X-User").orElseThrow(), 2.0),
                    balancer.queue().policy().stickyCookie(), Duration.ZERO, balancer.queue().policy().passiveHealth()));
            for (var user : home.entrySet()) {
                assertEquals(user.getValue(), get(balancer, "X-User: " + user.getKey()).bodyText(), user.getKey());
            }
        }
    }

    @Test
    void theStickyCookieIsSetOpaqueHttpOnlyAndLaxThenHonouredAndNeverForwarded() throws Exception {
        try (Backends three = new Backends(3);
             Balancer balancer = TestBalancer.builder().backendUrls(three.urls()).presumedHealthy().json("\"algorithm\": \"round-robin\", \"stickyCookie\": {}").startBalancer()) {
            // when a client comes without the cookie
            RawResponse first = get(balancer, "Cookie: theme=dark");
            String setCookie = first.header("Set-Cookie");

            // then it is pinned by an opaque ID, out of scripts' reach and not sent cross-site
            assertTrue(setCookie.startsWith("LB_BACKEND="), setCookie);
            assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"), setCookie);
            assertFalse(setCookie.contains("Secure"), "plain HTTP: " + setCookie);
            assertFalse(setCookie.contains("127.0.0.1"), setCookie);
            String id = setCookie.substring("LB_BACKEND=".length(), setCookie.indexOf(';'));

            // and round-robin is overruled for every later request carrying it
            for (int i = 0; i < 6; i++) {
                RawResponse again = get(balancer, "Cookie: theme=dark; LB_BACKEND=" + id);
                assertEquals(first.bodyText(), again.bodyText());
                assertNull(again.header("Set-Cookie"), "an honoured cookie is not set again");
            }
            // and no backend ever saw it, while the client's own cookie went through
            for (ScriptedBackend b : three.servers) {
                for (ScriptedBackend.Recorded r : b.requests()) {
                    if (r.target().equals("/")) {
                        assertEquals(List.of("theme=dark"), r.values("Cookie"));
                    }
                }
            }
        }
    }

    @Test
    void aForgedCookieIsIgnoredAndReplaced() throws Exception {
        try (Backends two = new Backends(2);
             Balancer balancer = TestBalancer.builder().backendUrls(two.urls()).presumedHealthy().json("\"stickyCookie\": {\"name\": \"pin\"}").startBalancer()) {
            RawResponse response = get(balancer, "Cookie: pin=http://127.0.0.1:1");

            assertEquals(200, response.status());
            String setCookie = response.header("Set-Cookie");
            assertTrue(setCookie.startsWith("pin="), setCookie);
            assertNotEquals("http://127.0.0.1:1", setCookie.substring(4, setCookie.indexOf(';')));
        }
    }

    @Test
    void aCookieNamingABackendThatWentDownIsReplacedByOneNamingTheBackendThatAnswered() throws Exception {
        try (Backends two = new Backends(2);
             Balancer balancer = TestBalancer.builder().backendUrls(two.urls()).presumedHealthy().json("\"stickyCookie\": {}").startBalancer()) {
            // given a client pinned to the first backend
            Backend pinned = balancer.pool().all().get(0);
            String id = StickyIds.of(pinned.url());
            assertEquals("b0", get(balancer, "Cookie: LB_BACKEND=" + id).bodyText());

            // when that backend goes DOWN
            balancer.pool().reportCheck(pinned, new CheckResult(false, "HTTP 503", Instant.now(), Duration.ZERO));

            // then the client is placed on the other one and its cookie replaced
            RawResponse moved = get(balancer, "Cookie: LB_BACKEND=" + id);
            assertEquals("b1", moved.bodyText());
            assertEquals("LB_BACKEND=" + StickyIds.of(URI.create(two.urls().get(1))) + "; Path=/; HttpOnly; SameSite=Lax",
                    moved.header("Set-Cookie"));
        }
    }

    /**
     * One request, returning once the balancer has released its backend too: the answer reaches the
     * client a moment before that, and a request still counted in flight would be load the hash's bound
     * sees, moving the next key on (as it should under real concurrency).
     */
    private static RawResponse get(Balancer balancer, String headerLine) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\n" + headerLine + "\r\n\r\n");
            RawResponse response = client.read("GET");
            Await.until("the request released its backend", Duration.ofSeconds(20),
                    () -> balancer.pool().all().stream().allMatch(b -> b.inFlight() == 0));
            return response;
        }
    }

    /** Backends answering their own name, b0, b1, ... */
    private static final class Backends implements AutoCloseable {
        final List<ScriptedBackend> servers = new ArrayList<>();

        Backends(int n) throws IOException {
            for (int i = 0; i < n; i++) {
                servers.add(new ScriptedBackend(ScriptedBackend.ok("b" + i)));
            }
        }

        List<String> urls() {
            return servers.stream().map(ScriptedBackend::url).toList();
        }

        @Override
        public void close() throws IOException {
            for (ScriptedBackend s : servers) {
                s.close();
            }
        }
    }
}
