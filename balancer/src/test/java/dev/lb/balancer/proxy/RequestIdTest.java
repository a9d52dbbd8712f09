package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** X-Request-Id: kept when well-formed, else made; the same ID reaches the backend and the client. */
class RequestIdTest {
    private ScriptedBackend backend;
    private Balancer balancer;

    @BeforeEach
    void start() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("hello"));
    }

    @AfterEach
    void stop() throws IOException {
        if (balancer != null) {
            balancer.close();
        }
        backend.close();
    }

    @Test
    void aRequestWithoutAnIdGetsANew128BitHexIdSeenByBackendAndClient() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        String id = response.header("X-Request-Id");
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals(List.of(id), backend.last().values("X-Request-Id"));
    }

    @Test
    void eachRequestGetsItsOwnId() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            ids.add(send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").header("X-Request-Id"));
        }
        assertEquals(20, ids.size());
    }

    @Test
    void aWellFormedClientIdIsKeptEndToEnd() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\nx-request-id: trace-42/abc\r\n\r\n");
        assertEquals("trace-42/abc", response.header("X-Request-Id"));
        assertEquals(List.of("trace-42/abc"), backend.last().values("X-Request-Id"));
    }

    @Test
    void aMalformedOrOverlongClientIdIsReplaced() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        String spaced = send("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: two words\r\n\r\n").header("X-Request-Id");
        assertTrue(spaced.matches("[0-9a-f]{32}"), spaced);
        String overlong = send("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: " + "a".repeat(201) + "\r\n\r\n")
                .header("X-Request-Id");
        assertTrue(overlong.matches("[0-9a-f]{32}"), overlong);
        assertEquals(List.of(overlong), backend.last().values("X-Request-Id"));
        assertTrue(RequestIds.wellFormed("a".repeat(200)));
        assertFalse(RequestIds.wellFormed("caf\u00e9"));
    }

    @Test
    void theBackendCannotReplaceTheIdTheClientSees() throws Exception {
        backend.respondWith(ScriptedBackend.ok("x", "X-Request-Id: backend-made"));
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: client-1\r\n\r\n");
        assertEquals(List.of("client-1"), response.values("X-Request-Id"));
    }

    @Test
    void theBalancersOwnErrorAnswersCarryTheId() throws Exception {
        int deadPort;
        try (var socket = new java.net.ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        balancer = TestBalancer.builder().backendUrls(List.of("http://127.0.0.1:" + deadPort)).presumedHealthy().json("\"retries\": 0").startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: failing-1\r\n\r\n");
        assertTrue(response.status() >= 500, "status " + response.status());
        assertEquals("failing-1", response.header("X-Request-Id"));
        RawResponse invalid = send("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        assertEquals(400, invalid.status());
        assertTrue(invalid.header("X-Request-Id").matches("[0-9a-f]{32}"));
    }

    @Test
    void aRenamedHeaderCarriesTheIdAndTheOldNameIsLeftAlone() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"requestIdHeader\": \"X-Trace\"").startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: other\r\n\r\n");
        String id = response.header("X-Trace");
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals(List.of(id), backend.last().values("X-Trace"));
        assertEquals(List.of("other"), backend.last().values("X-Request-Id"));
    }

    @Test
    void anEmptyHeaderNameTurnsIdsOff() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"requestIdHeader\": \"\"").startBalancer();
        RawResponse response = send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assertNull(response.header("X-Request-Id"));
        assertTrue(backend.last().values("X-Request-Id").isEmpty());
    }

    @Test
    void w3cTraceContextPassesThroughUntouched() throws Exception {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        send("GET / HTTP/1.1\r\nHost: h\r\ntraceparent: " + parent + "\r\ntracestate: congo=t61rcWkgMzE,rojo=00f067aa0ba902b7\r\n\r\n");
        assertEquals(List.of(parent), backend.last().values("traceparent"));
        assertEquals(List.of("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"), backend.last().values("tracestate"));
        assertNotEquals(parent, backend.last().header("X-Request-Id"));
    }

    private RawResponse send(String request) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send(request);
            return client.read(request.startsWith("HEAD") ? "HEAD" : "GET");
        }
    }
}
