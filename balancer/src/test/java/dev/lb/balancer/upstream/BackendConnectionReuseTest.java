package dev.lb.balancer.upstream;

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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** When a backend connection may carry the next request, and when it must not. */
class BackendConnectionReuseTest {
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
    void aConnectionIsReusedAfterAWholeChunkedAnswer() throws IOException {
        backend.respondWith(raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"));
        assertEquals("abc", get("/1").bodyText());
        assertEquals("abc", get("/2").bodyText());

        assertEquals(backend.requests().get(0).connection(), backend.requests().get(1).connection());
    }

    @Test
    void aBackendSayingConnectionCloseGetsTheNextRequestOnANewConnection() throws IOException {
        backend.respondWith(ScriptedBackend.ok("bye", "Connection: close"));
        assertEquals("bye", get("/1").bodyText());
        backend.respondWith(ScriptedBackend.ok("hello"));
        assertEquals("hello", get("/2").bodyText());

        assertNotEquals(backend.requests().get(0).connection(), backend.requests().get(1).connection());
    }

    @Test
    void anHttp10AnswerWithoutKeepAliveIsNotReused() throws IOException {
        backend.respondWith(raw("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold"));
        assertEquals("old", get("/1").bodyText());
        backend.respondWith(ScriptedBackend.ok("hello"));
        assertEquals("hello", get("/2").bodyText());

        assertNotEquals(backend.requests().get(0).connection(), backend.requests().get(1).connection());
    }

    @Test
    void interimAnswersAreSkippedAndTheFinalOneRelayed() throws IOException {
        backend.respondWith(raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"));
        RawResponse response = get("/");

        assertEquals(200, response.status());
        assertEquals("final", response.bodyText());
    }

    @Test
    void aMalformedStatusLineIs502() throws IOException {
        backend.respondWith(raw("HTTP/1.1 OK\r\n\r\n"));

        assertEquals(502, get("/").status());
    }

    @Test
    void anEndlessRunOfInterimAnswersIs502() throws IOException {
        backend.respondWith(raw("HTTP/1.1 100 Continue\r\n\r\n".repeat(Http1Limits.DEFAULT.maxInterimAnswers() + 1)
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertEquals(502, get("/").status());
    }

    @Test
    void aHeaderLineThatIsNoFieldIsNotPassedToTheClient() throws IOException {
        backend.respondWith(raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nno colon here\r\nBad Name: x\r\n"
                + "X-Good: yes\r\n\r\nok"));
        RawResponse response = get("/");

        assertEquals(200, response.status());
        assertEquals("ok", response.bodyText());
        assertEquals("yes", response.header("X-Good"));
        assertFalse(response.headers().stream().anyMatch(h -> h.getKey().isBlank() || h.getKey().contains(" ")
                || h.getValue().contains("no colon")), response.headers().toString());
    }

    private static ScriptedBackend.Responder raw(String answer) {
        return (request, socket, out) -> {
            out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        };
    }

    private RawResponse get(String path) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
            return client.read("GET");
        }
    }
}
