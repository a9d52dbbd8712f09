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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a correct HTTP/1.1 intermediary forwards, checked byte by byte on both sides of the balancer. */
class ForwardingTest {
    private ScriptedBackend backend;
    private Balancer balancer;

    @BeforeEach
    void start() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("hello"));
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().startBalancer();
    }

    @AfterEach
    void stop() throws IOException {
        balancer.close();
        backend.close();
    }

    @Test
    void hopByHopRequestHeadersIncludingThoseNamedInConnectionAreNotForwarded() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /x HTTP/1.1\r\nHost: app.example\r\nConnection: keep-alive, X-Secret\r\n"
                    + "X-Secret: hop\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\n"
                    + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\n"
                    + "X-End-To-End: kept\r\n\r\n");
            assertEquals(200, client.read("GET").status());
        }
        ScriptedBackend.Recorded seen = backend.last();
        // The balancer's own connection to the backend may carry its own Connection header, never the client's.
        assertTrue(seen.values("Connection").stream().allMatch(v -> v.equalsIgnoreCase("keep-alive")), seen.headers().toString());
        for (String name : List.of("X-Secret", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization",
                "Proxy-Connection", "Transfer-Encoding", "Trailer")) {
            assertTrue(seen.values(name).isEmpty(), name + " must not reach the backend: " + seen.headers());
        }
        assertEquals("kept", seen.header("X-End-To-End"));
    }

    @Test
    void hopByHopResponseHeadersIncludingThoseNamedInConnectionAreNotForwarded() throws IOException {
        backend.respondWith(ScriptedBackend.ok("hi", "Connection: X-Internal", "X-Internal: secret",
                "Keep-Alive: timeout=5", "Proxy-Authenticate: Basic", "Upgrade: h2c", "Trailer: X-T",
                "X-End-To-End: kept"));
        RawResponse response = get("/");
        for (String name : List.of("X-Internal", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "Trailer")) {
            assertFalse(response.has(name), name + " must not reach the client: " + response.headers());
        }
        assertEquals("kept", response.header("X-End-To-End"));
        assertEquals("hi", response.bodyText());
    }

    @Test
    void repeatedEndToEndHeadersAreForwardedInOrderBothWays() throws IOException {
        backend.respondWith(ScriptedBackend.ok("", "Set-Cookie: a=1", "Set-Cookie: b=2", "Set-Cookie: c=3"));
        RawResponse response;
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Multi: one\r\nAccept: text/html\r\nX-Multi: two\r\n"
                    + "X-Multi: three\r\n\r\n");
            response = client.read("GET");
        }
        assertEquals(List.of("a=1", "b=2", "c=3"), response.values("Set-Cookie"));
        List<String> forwarded = backend.last().values("X-Multi").stream()
                .flatMap(v -> Arrays.stream(v.split(",\\s*"))).toList();
        assertEquals(List.of("one", "two", "three"), forwarded);
    }

    @Test
    void forwardingHeadersAreSetAndHostIsUnchanged() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\nHost: shop.example:8443\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
            client.read("GET");
            client.send("GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n");
            client.read("GET");
        }
        ScriptedBackend.Recorded withChain = backend.requests().get(0);
        assertEquals("shop.example:8443", withChain.header("Host"));
        assertEquals(List.of("203.0.113.7, 127.0.0.1"), withChain.values("X-Forwarded-For"));
        assertEquals("http", withChain.header("X-Forwarded-Proto"));
        assertEquals("shop.example:8443", withChain.header("X-Forwarded-Host"));
        assertEquals(List.of("127.0.0.1"), backend.requests().get(1).values("X-Forwarded-For"));
        assertEquals(1, withChain.values("Host").size());
    }

    @Test
    void noHeadersAreAddedThatTheClientDidNotSend() throws IOException {
        get("/");
        Set<String> names = backend.last().headers().stream().map(h -> h.getKey().toLowerCase())
                .collect(Collectors.toSet());
        names.remove("connection"); // the balancer's own hop, see above
        assertEquals(Set.of("host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"), names);
    }

    @Test
    void knownLengthKeepsContentLengthAndUnknownLengthIsChunked() throws IOException {
        backend.respondWith(ScriptedBackend.ok("12345"));
        RawResponse fixed = get("/");
        assertEquals("5", fixed.header("Content-Length"));
        assertFalse(fixed.chunked());

        backend.respondWith((request, socket, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        });
        RawResponse chunked = get("/");
        assertTrue(chunked.chunked());
        assertNull(chunked.header("Content-Length"));
        assertEquals("abcde", chunked.bodyText());
        assertTrue(chunked.complete());

        backend.respondWith((request, socket, out) -> {
            out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close".getBytes(StandardCharsets.ISO_8859_1));
            socket.close();
        });
        RawResponse untilClose = get("/");
        assertTrue(untilClose.chunked(), "a body delimited by the backend closing goes to the client chunked");
        assertEquals("until-close", untilClose.bodyText());
    }

    @Test
    void requestBodyFramingIsKeptForKnownLengthAndChunkedForUnknown() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals(200, client.read("POST").status());
            client.send("POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabc\r\n3;ext=1\r\ndef\r\n0\r\n\r\n");
            assertEquals(200, client.read("POST").status());
        }
        ScriptedBackend.Recorded fixed = backend.requests().get(0);
        assertEquals("5", fixed.header("Content-Length"));
        assertEquals("hello", new String(fixed.body(), StandardCharsets.UTF_8));
        ScriptedBackend.Recorded chunked = backend.requests().get(1);
        assertEquals("chunked", chunked.header("Transfer-Encoding"));
        assertNull(chunked.header("Content-Length"));
        assertEquals("abcdef", new String(chunked.body(), StandardCharsets.UTF_8));
    }

    @Test
    void headKeepsTheBackendsContentLengthWithoutBody() throws IOException {
        backend.respondWith((request, socket, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/plain\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        });
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n");
            RawResponse head = client.read("HEAD");
            assertEquals(200, head.status());
            assertEquals("1234", head.header("Content-Length"));
            // No body bytes follow: the next response on the connection starts right away.
            backend.respondWith(ScriptedBackend.ok("next"));
            client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals("next", client.read("GET").bodyText());
        }
    }

    @Test
    void noContentAndNotModifiedCarryNoBody() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            backend.respondWith((request, socket, out) -> {
                out.write("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            });
            client.send("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n");
            RawResponse noContent = client.read("DELETE");
            assertEquals(204, noContent.status());
            assertFalse(noContent.has("Content-Length"));
            assertFalse(noContent.has("Transfer-Encoding"));

            backend.respondWith((request, socket, out) -> {
                out.write("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 99\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            });
            client.send("GET /x HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"v1\"\r\n\r\n");
            RawResponse notModified = client.read("GET");
            assertEquals(304, notModified.status());
            assertEquals("\"v1\"", notModified.header("ETag"));
            assertFalse(notModified.has("Transfer-Encoding"));

            backend.respondWith(ScriptedBackend.ok("after"));
            client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals("after", client.read("GET").bodyText(), "no stray body bytes on the connection");
        }
    }

    @Test
    void everyStatusPassesThroughWithItsBody() throws IOException {
        for (int status : new int[]{200, 201, 202, 203, 206, 301, 302, 307, 308, 400, 401, 403, 404, 405, 409,
                410, 418, 422, 429, 500, 501, 502, 503, 504, 599}) {
            String body = "body of " + status;
            backend.respondWith((request, socket, out) -> {
                out.write(("HTTP/1.1 " + status + " Whatever\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            });
            RawResponse response = get("/");
            assertEquals(status, response.status());
            assertEquals(body, response.bodyText());
        }
    }

    @Test
    void expectContinueIsAnsweredOnceAndNeverReachesTheBackend() throws IOException {
        byte[] payload = new byte[3 * 1024 * 1024];
        Arrays.fill(payload, (byte) 'x');
        backend.respondWith((request, socket, out) -> ScriptedBackend.ok("got " + request.body().length)
                .respond(request, socket, out));
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + payload.length
                    + "\r\nExpect: 100-continue\r\n\r\n");
            RawResponse interim = client.read("PUT");
            assertEquals(100, interim.status());
            client.send(payload);
            RawResponse response = client.read("PUT");
            assertEquals(200, response.status());
            assertEquals("got " + payload.length, response.bodyText());
        }
        assertTrue(backend.last().values("Expect").isEmpty());
        assertArrayEquals(payload, backend.last().body());
    }

    @Test
    void oneClientConnectionCarriesManyRequestsOverPooledBackendConnections() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            for (int i = 0; i < 50; i++) {
                client.send("GET /n" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
                RawResponse response = client.read("GET");
                assertEquals(200, response.status());
                assertFalse(response.closesConnection());
            }
            assertFalse(client.closedWithin(Duration.ofMillis(200)));
        }
        Map<Integer, Long> perConnection = backend.requests().stream()
                .collect(Collectors.groupingBy(ScriptedBackend.Recorded::connection, Collectors.counting()));
        assertEquals(1, perConnection.size(), "sequential requests reuse one pooled backend connection: " + perConnection);
    }

    private RawResponse get(String path) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
            return client.read("GET");
        }
    }
}
