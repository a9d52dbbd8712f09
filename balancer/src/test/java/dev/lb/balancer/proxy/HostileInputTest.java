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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Requests a client can craft to abuse or confuse the balancer, sent as raw bytes. */
class HostileInputTest {
    private ScriptedBackend backend;
    private Balancer balancer;

    @BeforeEach
    void start() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("fine"));
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"timeouts\": {\"requestHeadMs\": 1000, \"requestBodyIdleMs\": 1000}").startBalancer();
    }

    @AfterEach
    void stop() throws IOException {
        balancer.close();
        backend.close();
    }

    @Test
    void absoluteFormRequestsGoOnlyToAConfiguredBackend() throws IOException {
        AtomicInteger decoyConnections = new AtomicInteger();
        try (ServerSocket decoy = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                try {
                    decoy.accept().close();
                    decoyConnections.incrementAndGet();
                } catch (IOException ignored) {
                    // closed at the end of the test
                }
            });
            accept.setDaemon(true);
            accept.start();
            String target = "http://127.0.0.1:" + decoy.getLocalPort() + "/steal?x=1";
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send("GET " + target + " HTTP/1.1\r\nHost: app.example\r\n\r\n");
                RawResponse response = client.read("GET");
                assertEquals(200, response.status());
                assertEquals("fine", response.bodyText());
            }
        }
        assertEquals(0, decoyConnections.get());
        ScriptedBackend.Recorded seen = backend.last();
        assertEquals("/steal?x=1", seen.target(), "only the path and query are forwarded");
        assertEquals("127.0.0.1:" + seen.header("Host").split(":")[1], seen.header("Host"),
                "RFC 9112 3.2.2: the target's authority replaces Host");
    }

    @Test
    void smugglingAttemptsAreRejectedWith400AndTheConnectionClosed() throws IOException {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
        List<String> attempts = List.of(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello" + smuggled,
                "POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled);
        for (String attempt : attempts) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send(attempt);
                RawResponse response = client.read("POST");
                assertEquals(400, response.status(), attempt);
                assertTrue(client.closedWithin(Duration.ofSeconds(5)), "connection closed after " + attempt);
            }
        }
        assertEquals(List.of(), backend.requests(), "nothing reached the backend");
    }

    @Test
    void unsupportedTransferCodingsAreRefusedBeforeAnyBackend() throws IOException {
        for (String coding : List.of("gzip, chunked", "chunked, identity", "xchunked", "identity")) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n");
                int status = client.read("POST").status();
                assertTrue(status == 400 || status == 501, coding + " answered " + status);
                assertTrue(client.closedWithin(Duration.ofSeconds(5)));
            }
        }
        assertEquals(List.of(), backend.requests());
    }

    @Test
    void anInvalidChunkEndsTheRequestWith400AndNothingSmuggledReachesTheBackend() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\nzz\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n0\r\n\r\n");
            RawResponse response = client.read("POST");
            assertEquals(400, response.status());
            assertTrue(client.closedWithin(Duration.ofSeconds(5)));
        }
        assertTrue(backend.requests().stream().noneMatch(r -> r.target().contains("smuggled")));
        assertTrue(backend.requests().stream().noneMatch(r -> r.target().equals("/upload")),
                "the backend never saw the broken request complete");
        assertEquals(200, normalRequest().status());
    }

    @Test
    void aChunkedBodyThatStopsBeforeItsLastChunkIsA400AndNeverReachesTheBackendComplete() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
            client.socket().shutdownOutput();
            RawResponse response = client.read("POST");
            assertEquals(400, response.status());
            assertTrue(response.bodyText().contains("invalid chunked request body"), response.bodyText());
        }
        assertTrue(backend.requests().stream().noneMatch(r -> r.target().equals("/upload")),
                "the backend never saw the cut request complete");
        assertEquals(200, normalRequest().status());
    }

    @Test
    void malformedRequestsAreRejectedAndTheBalancerKeepsServing() throws IOException {
        List<String> malformed = List.of(
                "GET / HTTP/1.1\r\n\r\n",                                      // no Host
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                // two Hosts
                "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",                         // invalid Host
                "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u0000b\r\n\r\n",          // NUL in a value
                "GET / HTTP/1.1\r\nHost: h\r\nbroken header line\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n",                // space before colon
                "G@T / HTTP/1.1\r\nHost: h\r\n\r\n",                           // invalid method
                "GET /\r\nHost: h\r\n\r\n",                                    // no version
                "GET / HTTP/2.0\r\nHost: h\r\n\r\n",                           // unsupported version
                "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",                         // neither a path nor a URL
                "\u0001\u0002\u00ff\u00fe\u0000 garbage\r\n\r\n");
        for (String request : malformed) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send(request);
                RawResponse response = client.read("GET");
                assertTrue(response.status() >= 400 && response.status() < 600, request + " answered " + response.status());
                assertTrue(client.closedWithin(Duration.ofSeconds(5)), "closed after " + request);
            }
        }
        assertEquals(List.of(), backend.requests());
        assertEquals(200, normalRequest().status());
    }

    @Test
    void theBalancersOwnAnswersNameTheStatusInTheBodyAsTheStatusLineDoes() throws IOException {
        for (String request : List.of("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\r\nCookie: " + "a".repeat(40_000) + "\r\n\r\n")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", balancer.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                String statusLine = answer.substring(0, answer.indexOf("\r\n"));
                String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
                String code = statusLine.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3);
                String phrase = statusLine.substring("HTTP/1.1 NNN".length()).strip();
                assertTrue(body.startsWith(code + " " + (phrase.isEmpty() ? "" : phrase + ":")), statusLine + " / " + body);
            }
        }
    }

    @Test
    void oversizedHeadsAreRejectedWith431OrDroppedAndTheBalancerKeepsServing() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\nCookie: " + "a".repeat(40_000) + "\r\n\r\n");
            assertEquals(431, client.read("GET").status());
        }
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\n" + "X-A: 1\r\n".repeat(150) + "\r\n");
            assertEquals(431, client.read("GET").status());
        }
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(414, client.read("GET").status());
        }
        try (RawHttp client = new RawHttp(balancer.port())) {
            // Past the server's hard cap, Java 17 drops the connection; Java 25 answers 431 first.
            client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "a".repeat(300_000) + "\r\n\r\n");
            try {
                int status = client.read("GET").status();
                assertTrue(status == 431 || status == 400, "answered " + status);
            } catch (java.io.EOFException dropped) {
                // the Java 17 answer
            }
            assertTrue(client.closedWithin(Duration.ofSeconds(10)));
        } catch (java.net.SocketException e) {
            // a reset while still sending is the same answer
        }
        assertEquals(List.of(), backend.requests());
        assertEquals(200, normalRequest().status());
    }

    @Test
    void hundredsOfHalfSentRequestsDoNotDelayANormalOneAndAreTimedOut() throws IOException {
        List<RawHttp> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                RawHttp client = new RawHttp(balancer.port());
                client.send("GET /slow" + i + " HTTP/1.1\r\nHost: h\r\nX-Wait: ");
                slow.add(client);
            }
            long started = System.nanoTime();
            assertEquals(200, normalRequest().status());
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 3_000, "normal request took " + millis + " ms behind 300 slow ones");

            // requestHeadMs is 1000: every slow connection is closed soon after.
            for (RawHttp client : slow) {
                assertTrue(client.closedWithin(Duration.ofSeconds(15)), "slow connection closed");
            }
        } finally {
            for (RawHttp client : slow) {
                client.close();
            }
        }
        assertTrue(backend.requests().stream().noneMatch(r -> r.target().startsWith("/slow")));
        assertEquals(200, normalRequest().status());
    }

    @Test
    void connectIsNeverTunnelledAnywhere() throws IOException {
        for (String authority : List.of("127.0.0.1:" + backend.port(), "localhost:" + backend.port())) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
                try {
                    int status = client.read("CONNECT").status();
                    assertTrue(status >= 400, "CONNECT answered " + status);
                } catch (java.io.EOFException closedWithoutAnswer) {
                    // also a refusal
                }
                assertTrue(client.closedWithin(Duration.ofSeconds(10)), "closed");
            }
        }
        assertEquals(List.of(), backend.requests());
    }

    @Test
    void aHeadWithBareLineFeedsNeverCompletesAndIsCutOff() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /lf HTTP/1.1\nHost: h\n\n");
            assertTrue(client.closedWithin(Duration.ofSeconds(15)));
        }
        assertEquals(List.of(), backend.requests());
    }

    @Test
    void aRequestHeadTrickledSlowerThanTheTimeoutIsCutOff() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET / HTTP/1.1\r\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    client.send("X-Drip: 1\r\n"); // one header line every 200 ms, never the end of the head
                    if (client.closedWithin(Duration.ofMillis(200))) {
                        return;
                    }
                }
            } catch (IOException closed) {
                return;
            }
            fail("a head that never completes must be cut off");
        }
    }

    @Test
    void aSecondRequestHeadTrickledOnAKeptAliveConnectionIsCutOff() throws Exception {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(200, client.read("GET").status());
            client.send("GET /second HTTP/1.1\r\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    client.send("X-Drip: 1\r\n"); // one header line every 200 ms, never the end of the head
                    if (client.closedWithin(Duration.ofMillis(200))) {
                        return;
                    }
                }
            } catch (IOException closed) {
                return;
            }
            fail("a second head that never completes must be cut off as the first would be");
        }
    }

    @Test
    void aClientThatStopsInTheMiddleOfItsBodyIsCutOffAndReleasesTheBackend() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789");
            assertTrue(client.closedWithin(Duration.ofSeconds(15)), "stalled upload cut off");
        }
        until("request released", Duration.ofSeconds(15), () -> balancer.requestsInFlight() == 0);
        until("backend released", Duration.ofSeconds(15), () -> balancer.pool().all().get(0).inFlight() == 0);
        assertTrue(backend.requests().stream().noneMatch(r -> r.target().equals("/upload")));
        assertEquals(0, balancer.pool().all().get(0).totalFailures(), "a stalled client is not the backend's failure");
        assertEquals(200, normalRequest().status());
    }

    private RawResponse normalRequest() throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.socket().setSoTimeout(10_000);
            client.send("GET /normal HTTP/1.1\r\nHost: h\r\n\r\n");
            return client.read("GET");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("normal request not answered", e);
        }
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
