package dev.lb.balancer.upstream;

import dev.lb.balancer.upstream.Http1Codec.State;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Http1CodecTest {
    private static final Endpoint ENDPOINT = Endpoint.of(URI.create("http://backend.test:8001"));
    private static final BackendRequest GET = new BackendRequest("GET", "/a?b=1", List.of("Host", "h"), true, null);

    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();

    @Test
    void aConnectionGoesFromIdleThroughOneExchangeAndBackToIdle() throws IOException {
        Http1Codec codec = codec("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                Http1Limits.DEFAULT);
        assertEquals(State.IDLE, codec.state());

        codec.writeRequest(GET, ENDPOINT);
        assertEquals(State.READING_HEAD, codec.state());
        assertTrue(wire.toString(StandardCharsets.ISO_8859_1).startsWith("GET /a?b=1 HTTP/1.1\r\nHost: h\r\n"));

        Attempt attempt = new Attempt();
        ResponseHead head = codec.readResponse("GET", attempt);
        assertEquals(200, head.code(), "the interim answer is skipped");
        assertTrue(attempt.responseStarted());
        assertEquals(State.READING_FIXED_LENGTH, codec.state());

        assertEquals("ok", new String(codec.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(State.BODY_READ, codec.state());

        codec.reset();
        assertEquals(State.IDLE, codec.state());
    }

    @Test
    void aRequestGoesOutOnlyFromIdle() throws IOException {
        Http1Codec codec = codec("", Http1Limits.DEFAULT);
        codec.writeRequest(GET, ENDPOINT);

        assertThrows(IllegalStateException.class, () -> codec.writeRequest(GET, ENDPOINT));
        assertThrows(IllegalStateException.class, codec::reset, "an answer not read to its end is never reused");
    }

    @Test
    void theAnswerToHeadHasNoBodyWhateverItsLength() throws IOException {
        Http1Codec codec = codec("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Http1Limits.DEFAULT);
        codec.writeRequest(new BackendRequest("HEAD", "/", List.of("Host", "h"), true, null), ENDPOINT);

        codec.readResponse("HEAD", new Attempt());

        assertEquals(State.BODY_READ, codec.state());
        assertEquals(-1, codec.body().read());
    }

    @Test
    void anInvalidContentLengthLeavesTheConnectionClosed() throws IOException {
        Http1Codec codec = codec("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", Http1Limits.DEFAULT);
        codec.writeRequest(GET, ENDPOINT);

        codec.readResponse("GET", new Attempt());

        assertEquals(State.CLOSED, codec.state());
        assertThrows(IOException.class, () -> codec.body().read());
    }

    @Test
    void theLimitsComeFromTheRecord() throws IOException {
        Http1Limits oneInterim = new Http1Limits(64 * 1024, 1000, 1, 4 * 1024, 64 * 1024);
        Http1Codec codec = codec("HTTP/1.1 100 Continue\r\n\r\n".repeat(2) + "HTTP/1.1 200 OK\r\n\r\n", oneInterim);
        codec.writeRequest(GET, ENDPOINT);

        assertThrows(ProtocolException.class, () -> codec.readResponse("GET", new Attempt()));
        assertEquals(State.CLOSED, codec.state());
    }

    private Http1Codec codec(String answer, Http1Limits limits) {
        BackendInput in = new BackendInput(new ByteArrayInputStream(answer.getBytes(StandardCharsets.ISO_8859_1)), 8192);
        return new Http1Codec(in, new BackendOutput(wire, 8192), limits);
    }
}
