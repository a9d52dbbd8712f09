package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import dev.lb.balancer.upstream.StreamingRequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Backends that close keep-alive connections after a short idle time (Node: 5 s, many Python and PHP
 * servers less) never cost a client a 502: a pooled connection the backend closed is noticed before
 * use, and a request that still fails on one before any answer is replayed on a fresh connection.
 */
class IdleClosedBackendTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final byte[] BODY = body(100);

    @ParameterizedTest(name = "backend closes idle connections after {0} ms")
    @ValueSource(ints = {500, 1000})
    void requestsSpacedAroundTheBackendsIdleTimeoutAllSucceed(int idleCloseMs) throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(echoLength())) {
            backend.closeIdleAfter(idleCloseMs);
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer()) {
                for (String method : List.of("GET", "POST", "PUT", "POST")) {
                    // Just after the backend closed the pooled connection...
                    awaitIdleClosed(backend);
                    assertAnswered(send(balancer, method, BODY), method);
                    // ...and well before it does again, on the connection just opened.
                    assertAnswered(send(balancer, method, BODY), method);
                }
                assertEquals(0, balancer.pool().all().get(0).totalFailures());
            }
        }
    }

    @Test
    void aPostAfterANodeStyleFiveSecondKeepAliveSucceeds() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(echoLength())) {
            backend.closeIdleAfter(5_000);
            // Pooled connections kept longer than the backend keeps them: only the check before reuse helps.
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"timeouts\": {\"backendIdleMs\": 60000}").startBalancer()) {
                assertAnswered(send(balancer, "PUT", BODY), "PUT");
                awaitIdleClosed(backend);
                assertAnswered(send(balancer, "POST", BODY), "POST");
                assertEquals(0, balancer.pool().all().get(0).totalFailures());
            }
        }
    }

    @Test
    void concurrentRequestsAfterTheBackendClosedItsIdleConnectionsAllSucceed() throws Exception {
        int clients = 8;
        try (ScriptedBackend backend = new ScriptedBackend(echoLength())) {
            backend.closeIdleAfter(500);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer()) {
                for (int round = 0; round < 3; round++) {
                    awaitIdleClosed(backend);
                    List<Future<RawResponse>> answers = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        String method = List.of("GET", "POST", "PUT").get(i % 3);
                        answers.add(pool.submit(() -> send(balancer, method, BODY)));
                    }
                    for (Future<RawResponse> answer : answers) {
                        assertEquals(200, answer.get().status(), "round " + round);
                    }
                }
                assertEquals(0, balancer.pool().all().get(0).totalFailures());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aPostWhosePooledConnectionDiesAsItArrivesIsReplayedWithItsWholeBody() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(dropSecondRequestOnEachConnection())) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer()) {
                assertAnswered(send(balancer, "POST", BODY), "POST");
                byte[] larger = body(40_000);
                RawResponse second = send(balancer, "POST", larger);

                assertEquals(200, second.status());
                ScriptedBackend.Recorded replayed = backend.last();
                assertArrayEquals(larger, replayed.body(), "the kept copy was sent again");
                assertNotEquals(backend.requests().get(0).connection(), replayed.connection());
                assertEquals(0, balancer.pool().all().get(0).totalFailures());
            }
        }
    }

    @Test
    void aBodyTooLongToKeepIsNotReplayedEvenForPut() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(dropSecondRequestOnEachConnection())) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer()) {
                assertAnswered(send(balancer, "PUT", BODY), "PUT");
                RawResponse second = send(balancer, "PUT", body(StreamingRequestBody.RESEND_LIMIT + 1));

                assertEquals(502, second.status());
                assertEquals(2, backend.requests().size(), "streamed once, never replayed");
            }
        }
    }

    @Test
    void aReplayOnAFreshConnectionIsCountedInTheMetrics() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(dropSecondRequestOnEachConnection())) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"metricsPort\": 0").startBalancer()) {
                assertAnswered(send(balancer, "GET", BODY), "GET");
                assertAnswered(send(balancer, "GET", BODY), "GET");

                String metrics = scrape(balancer);
                assertContains(metrics, "lb_retries_total{backend=\"" + backend.url() + "\",reason=\"fresh_connection\"} 1.0");
            }
        }
    }

    static String scrape(Balancer balancer) throws IOException {
        try (RawHttp client = new RawHttp(balancer.metricsPort().orElseThrow())) {
            client.send("GET /metrics HTTP/1.1\r\nHost: m\r\n\r\n");
            return client.read("GET").bodyText();
        }
    }

    static void assertContains(String text, String line) {
        if (!text.contains(line)) {
            throw new AssertionError("expected " + line + " in\n" + text);
        }
    }

    /** Answers with the length of the body it got, so a client can tell its whole body arrived. */
    private static ScriptedBackend.Responder echoLength() {
        return (request, socket, out) -> ScriptedBackend.ok(String.valueOf(request.body().length)).respond(request, socket, out);
    }

    /** Closes a connection when its second request arrives, unread: a backend closing it at that very moment. */
    private static ScriptedBackend.Responder dropSecondRequestOnEachConnection() {
        Set<Integer> used = ConcurrentHashMap.newKeySet();
        return (request, socket, out) -> {
            if (!used.add(request.connection())) {
                socket.close();
                return;
            }
            echoLength().respond(request, socket, out);
        };
    }

    private static void awaitIdleClosed(ScriptedBackend backend) {
        int opened = backend.connections();
        until("the backend closed its idle connections", WAIT, () -> backend.closedConnections() == opened);
    }

    private static void assertAnswered(RawResponse response, String method) {
        assertEquals(200, response.status(), method);
        // GET goes without its body, as OkHttp sent it; the others with all of it.
        assertEquals(method.equals("GET") ? "0" : String.valueOf(BODY.length), response.bodyText(), method);
    }

    static RawResponse send(Balancer balancer, String method, byte[] body) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send(method + " /r HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length + "\r\n\r\n");
            client.send(body);
            return client.read(method);
        }
    }

    private static byte[] body(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'b');
        for (int i = 0; i < length; i += 97) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }
}
