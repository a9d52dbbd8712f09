package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import dev.lb.backendserver.BackendServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What clients see, and what operators can read, when backends fail in each way they can. */
class BackendFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void refusedConnectionIsRetriedOnAnotherBackendAndTakesTheFailingOneOutAtOnce() throws Exception {
        try (ScriptedBackend dead = new ScriptedBackend(ScriptedBackend.ok("dead"));
             ScriptedBackend alive = new ScriptedBackend(ScriptedBackend.ok("alive"))) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(dead.url(), alive.url())).presumedHealthy().json("\"algorithm\": \"round-robin\"").startBalancer();
            try (balancer) {
                until("first checks", WAIT, () -> balancer.pool().all().stream().allMatch(b -> b.lastCheck() != null));
                dead.close();
                for (int i = 0; i < 4; i++) {
                    RawResponse response = get(balancer, "POST", "/order");
                    assertEquals(200, response.status());
                    assertEquals("alive", response.bodyText());
                }
                Backend failed = balancer.pool().all().get(0);
                assertEquals(HealthState.DOWN, failed.health());
                assertTrue(failed.totalFailures() >= 1);
                assertEquals("connection refused", failed.lastError());
                HealthEvent event = failed.history().get(failed.history().size() - 1);
                assertEquals(HealthState.DOWN, event.to());
                assertTrue(event.reason().contains("connection refused"), event.reason());
                assertEquals(4, alive.requests().size());
                assertEquals(0, failed.inFlight());
            }
        }
    }

    @Test
    void aBackendTakenOutByARequestComesBackThroughActiveChecks() throws Exception {
        BackendServer flaky = BackendServer.start("127.0.0.1", 0, "flaky");
        int port = flaky.port();
        try (BackendServer other = BackendServer.start("127.0.0.1", 0, "other")) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of("http://127.0.0.1:" + port, "http://127.0.0.1:" + other.port())).presumedHealthy().json("\"algorithm\": \"round-robin\", \"healthCheckInterval\": 1, \"healthCheck\": {\"healthyThreshold\": 1}").startBalancer();
            try (balancer) {
                Backend backend = balancer.pool().all().get(0);
                until("first check", WAIT, () -> backend.lastCheck() != null);
                flaky.close();
                until("flaky backend out", WAIT, () -> backend.health() == HealthState.DOWN);
                flaky = BackendServer.start("127.0.0.1", port, "flaky");
                until("flaky backend back through checks", WAIT, () -> backend.health() == HealthState.UP);
                assertEquals(200, get(balancer, "GET", "/").status());
            } finally {
                flaky.close();
            }
        }
    }

    @Test
    void aPooledConnectionTheBackendClosedWhileIdleNeverBecomesA502() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.ok("fresh"))) {
            backend.closeIdleAfter(50);
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
            try (balancer) {
                for (int round = 0; round < 5; round++) {
                    for (String method : List.of("GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT")) {
                        int opened = backend.connections();
                        until("backend closed its idle connections", WAIT, () -> backend.closedConnections() == opened);
                        RawResponse response = get(balancer, method, "/r" + round);
                        assertEquals(200, response.status(), method + " on a connection the backend had closed");
                    }
                }
                assertEquals(0, balancer.pool().all().get(0).totalFailures());
            }
        }
    }

    @Test
    void aBackendThatDropsAnAcceptedRequestGets502AndTheRequestIsNotSentElsewhere() throws Exception {
        try (ScriptedBackend dropper = new ScriptedBackend((request, socket, out) -> socket.close());
             ScriptedBackend healthy = new ScriptedBackend(ScriptedBackend.ok("fine"))) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(dropper.url(), healthy.url())).presumedHealthy().json("\"algorithm\": \"round-robin\"").startBalancer();
            try (balancer) {
                List<Integer> statuses = new java.util.ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    statuses.add(get(balancer, "POST", "/pay").status());
                }
                statuses.sort(null);
                assertEquals(List.of(200, 502), statuses);
                assertEquals(1, healthy.requests().size(), "the dropped request was not replayed on the other backend");
                Backend dropping = balancer.pool().all().get(0);
                assertEquals(1, dropping.totalFailures());
                assertEquals(HealthState.UP, dropping.health(), "it accepted connections: only active checks decide");
            }
        }
    }

    @Test
    void anInvalidContentLengthFromTheBackendIs502() throws Exception {
        try (ScriptedBackend broken = new ScriptedBackend((request, socket, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        })) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(broken.url())).presumedHealthy().startBalancer();
            try (balancer) {
                assertEquals(502, get(balancer, "GET", "/").status());
                assertEquals(1, balancer.pool().all().get(0).totalFailures());
            }
        }
    }

    @Test
    void aBackendSlowerThanTheReadTimeoutGets504() throws Exception {
        try (BackendServer slow = BackendServer.start("127.0.0.1", 0, "slow")) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of("http://127.0.0.1:" + slow.port())).presumedHealthy().json("\"timeouts\": {\"readMs\": 300}").startBalancer();
            try (balancer) {
                RawResponse response = get(balancer, "GET", "/delay/5000");
                assertEquals(504, response.status());
                Backend backend = balancer.pool().all().get(0);
                assertEquals(1, backend.totalFailures());
                assertEquals("timed out after 300 ms", backend.lastError());
                assertEquals(HealthState.UP, backend.health(), "slow is not down");
                assertEquals(200, get(balancer, "GET", "/delay/1").status());
            }
        }
    }

    @Test
    void aBackendDroppingAFixedLengthResponseMidwayClosesTheClientConnection() throws Exception {
        byte[] part = new byte[10_000];
        try (ScriptedBackend backend = new ScriptedBackend((request, socket, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.write(part);
            out.flush();
            socket.close();
        })) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
            try (balancer; RawHttp client = new RawHttp(balancer.port())) {
                client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                RawResponse response = client.read("GET");
                assertEquals(200, response.status());
                assertEquals("100000", response.header("Content-Length"));
                assertFalse(response.complete(), "never padded or reported complete");
                assertTrue(response.body().length < 100_000);
                assertTrue(client.closedWithin(Duration.ofSeconds(5)));
                Backend failed = balancer.pool().all().get(0);
                until("failure counted", WAIT, () -> failed.totalFailures() == 1);
                assertTrue(failed.lastError().startsWith("response body"), failed.lastError());
            }
        }
    }

    @Test
    void aBackendDroppingAChunkedResponseMidwayClosesTheClientConnectionWithoutTheLastChunk() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend((request, socket, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.close();
        })) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
            try (balancer; RawHttp client = new RawHttp(balancer.port())) {
                client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                RawResponse response = client.read("GET");
                assertEquals(200, response.status());
                assertTrue(response.chunked());
                assertFalse(response.complete(), "no terminating chunk after a broken backend response");
                assertTrue(client.closedWithin(Duration.ofSeconds(5)));
            }
        }
    }

    @Test
    void aClientGoingAwayMidResponseCancelsTheBackendExchangeAndReleasesCounts() throws Exception {
        try (BackendServer big = BackendServer.start("127.0.0.1", 0, "big")) {
            Balancer balancer = TestBalancer.builder().backendUrls(List.of("http://127.0.0.1:" + big.port())).presumedHealthy().startBalancer();
            try (balancer) {
                try (RawHttp client = new RawHttp(balancer.port())) {
                    client.send("GET /bytes/100000000000 HTTP/1.1\r\nHost: h\r\n\r\n");
                    InputStream in = client.socket().getInputStream();
                    in.readNBytes(1_000_000);
                    until("backend streaming", WAIT, () -> big.inFlight() == 1);
                }
                Backend backend = balancer.pool().all().get(0);
                until("backend exchange cancelled", WAIT, () -> big.inFlight() == 0);
                until("backend in-flight count released", WAIT, () -> backend.inFlight() == 0);
                until("client exchange finished", WAIT, () -> balancer.requestsInFlight() == 0);
                assertEquals(0, backend.totalFailures(), "a client leaving is not the backend's failure");
                assertEquals(200, get(balancer, "GET", "/bytes/10").status());
            }
        }
    }

    private static RawResponse get(Balancer balancer, String method, String path) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send(method + " " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
            return client.read(method);
        }
    }
}
