package dev.lb.balancer.upstream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseHeadTest {

    @Test
    void statusLineAndFieldsAreReadInOrderWithValuesTrimmed() throws IOException {
        BackendInput in = input("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Pad:   spaced  \r\nSet-Cookie: b=2\r\n\r\nbody");

        ResponseHead head = ResponseHead.read(in);

        assertEquals(200, head.code());
        assertTrue(head.http11());
        assertEquals(3, head.size());
        assertEquals(List.of("a=1", "b=2"), head.values("set-cookie"));
        assertEquals("b=2", head.header("SET-COOKIE"), "the last value, as OkHttp's header(name)");
        assertEquals("spaced", head.header("X-Pad"));
        assertNull(head.header("Content-Length"));
        byte[] rest = new byte[10];
        assertEquals(4, in.read(rest, 0, 10), "the body stays in the stream");
    }

    @Test
    void bareLineFeedsAndAMissingReasonPhraseAreAccepted() throws IOException {
        ResponseHead head = ResponseHead.read(input("HTTP/1.0 204\nX-A: 1\n\n"));

        assertEquals(204, head.code());
        assertFalse(head.http11());
        assertEquals("1", head.header("x-a"));
    }

    @Test
    void connectionTokensAreFoundInAnyConnectionField() throws IOException {
        ResponseHead head = ResponseHead.read(input("HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nconnection: Keep-Alive, Close\r\n\r\n"));

        assertTrue(head.connectionHas("close"));
        assertTrue(head.connectionHas("keep-alive"));
        assertFalse(head.connectionHas("upgrade"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 abc OK", "SSH-2.0-OpenSSH",
            "", "HTTP/1.1200 OK", "http/1.1 200 OK"})
    void aMalformedStatusLineIsAProtocolException(String statusLine) {
        assertThrows(ProtocolException.class, () -> ResponseHead.read(input(statusLine + "\r\n\r\n")));
    }

    @Test
    void aHeadThatEndsEarlyIsAnEndOfStream() {
        IOException e = assertThrows(EOFException.class, () -> ResponseHead.read(input("HTTP/1.1 200 OK\r\nX-A: 1\r\n")));
        assertEquals("unexpected end of stream", e.getMessage());
    }

    @Test
    void aHeadLargerThanTheLimitIsRejectedWithoutReadingItAll() {
        // An endless header section: the parser must stop at the limit rather than buffer forever.
        InputStream endless = new InputStream() {
            private final byte[] line = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.ISO_8859_1);
            private long position = -"HTTP/1.1 200 OK\r\n".length();

            @Override
            public int read() {
                long p = position++;
                if (p < 0) {
                    return "HTTP/1.1 200 OK\r\n".charAt((int) (p + 17));
                }
                return line[(int) (p % line.length)];
            }
        };
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThrows(ProtocolException.class, () -> ResponseHead.read(new BackendInput(endless, 8192))));
    }

    @Test
    void oneEndlessLineIsRejectedAtTheLimit() {
        InputStream endless = new InputStream() {
            private int position;
            private final byte[] status = "HTTP/1.1 200 OK\r\nX-Long: ".getBytes(StandardCharsets.ISO_8859_1);

            @Override
            public int read() {
                return position < status.length ? status[position++] : 'a';
            }
        };
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThrows(ProtocolException.class, () -> ResponseHead.read(new BackendInput(endless, 8192))));
    }

    @Test
    void aLongButAllowedFieldSpanningBuffersIsReadWhole() throws IOException {
        String value = "v".repeat(20_000);
        ResponseHead head = ResponseHead.read(new BackendInput(new ByteArrayInputStream(
                ("HTTP/1.1 200 OK\r\nX-Big: " + value + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)), 1024));

        assertEquals(value, head.header("X-Big"));
    }

    @Test
    void aFieldWithoutAColonIsKeptWithAnEmptyName() throws IOException {
        ResponseHead head = ResponseHead.read(input("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"));

        assertEquals("", head.name(0));
        assertEquals("no colon here", head.value(0));
    }

    static BackendInput input(String text) {
        return new BackendInput(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), 8192);
    }
}
