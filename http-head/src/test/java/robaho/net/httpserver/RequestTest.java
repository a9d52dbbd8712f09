package robaho.net.httpserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.Headers;

class RequestTest {

    private final ByteArrayOutputStream answer = new ByteArrayOutputStream();

    private Request read(String head) throws IOException {
        return new Request(new ByteArrayInputStream(head.getBytes(StandardCharsets.ISO_8859_1)), answer);
    }

    private String answered() {
        return answer.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aWellFormedHeadGivesItsRequestLineAndFields() throws IOException {
        Request request = read("\r\nGET /a?b=1 HTTP/1.1\r\nHost: h\r\nx-a:  one \t\r\nX-A: two\r\nEmpty:\r\n\r\nbody");
        assertEquals("GET /a?b=1 HTTP/1.1", request.requestLine());
        Headers fields = request.headers();
        assertEquals(List.of("h"), fields.get("Host"));
        assertEquals(List.of("one", "two"), fields.get("X-a"));
        assertEquals(List.of(""), fields.get("Empty"));
        assertEquals('b', request.inputStream().read(), "the body starts right after the head");
        assertEquals("", answered());
    }

    @Test
    void aConnectionThatEndsBeforeARequestGivesAnEmptyRequestLine() throws IOException {
        assertEquals("", read("").requestLine());
        assertEquals("", read("\r\n").requestLine());
    }

    @Test
    void aHeadCutShortIsAnError() throws IOException {
        assertThrows(IOException.class, () -> read("GET / HTTP/1.1"));
        Request request = read("GET / HTTP/1.1\r\nHost: h\r\n");
        assertThrows(IOException.class, request::headers);
    }

    @Test
    void whitespaceBeforeTheColonIsRefusedWith400() throws IOException {
        for (String field : List.of("Transfer-Encoding : chunked", "X-A\t: 1", " X-A: 1", "X A: 1")) {
            answer.reset();
            Request request = read("POST / HTTP/1.1\r\nHost: h\r\n" + field + "\r\n\r\n");
            assertThrows(IOException.class, request::headers, field);
            assertTrue(answered().startsWith("HTTP/1.1 400 Bad Request\r\n"), field + ": " + answered());
            assertTrue(answered().contains("\r\nConnection: close\r\n"), answered());
        }
    }

    @Test
    void foldedLinesLinesWithoutAColonAndControlCharactersAreRefusedWith400() throws IOException {
        for (String head : List.of("Host: h\r\nX-A: 1\r\n  continued\r\n", "Host: h\r\nbroken header line\r\n",
                "Host: h\r\n: no name\r\n", "Host: h\r\nX-A: a\u0000b\r\n", "Host: h\r\nX-A: a\rb\r\n",
                "Host: h\r\nX\u00e9: 1\r\n")) {
            answer.reset();
            Request request = read("GET / HTTP/1.1\r\n" + head + "\r\n");
            assertThrows(IOException.class, request::headers, head);
            assertTrue(answered().startsWith("HTTP/1.1 400 "), head + ": " + answered());
        }
        assertThrows(IOException.class, () -> read("GET /\u0001 HTTP/1.1\r\n"));
        assertTrue(answered().startsWith("HTTP/1.1 400 "), answered());
    }

    @Test
    void obsTextInAValueIsKept() throws IOException {
        assertEquals("caf\u00e9", read("GET / HTTP/1.1\r\nX-A: caf\u00e9\r\n\r\n").headers().getFirst("X-A"));
    }

    @Test
    void aBareLineFeedClosesWithoutAnAnswer() throws IOException {
        assertThrows(IOException.class, () -> read("GET /lf HTTP/1.1\nHost: h\n\n"));
        Request request = read("GET / HTTP/1.1\r\nHost: h\n\n");
        assertThrows(IOException.class, request::headers);
        assertEquals("", answered());
    }

    @Test
    void aHeadPastTheLimitIsRefusedBeforeItIsReadWhole() throws IOException {
        String longLine = "GET /" + "a".repeat(Request.MAX_HEAD_BYTES) + " HTTP/1.1\r\n\r\n";
        assertThrows(IOException.class, () -> read(longLine));
        assertTrue(answered().startsWith("HTTP/1.1 414 URI Too Long\r\n"), answered());

        answer.reset();
        CountingStream endless = new CountingStream("GET / HTTP/1.1\r\nX-Big: ");
        Request request = new Request(endless, answer);
        assertThrows(IOException.class, request::headers);
        assertTrue(answered().startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), answered());
        assertTrue(endless.served <= Request.MAX_HEAD_BYTES + 1, "read " + endless.served + " bytes");
    }

    @Test
    void tooManyFieldsAreRefusedWith431() throws IOException {
        Request request = read("GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(Request.MAX_FIELDS + 1) + "\r\n");
        assertThrows(IOException.class, request::headers);
        assertTrue(answered().startsWith("HTTP/1.1 431 "), answered());
        assertEquals(Request.MAX_FIELDS, read("GET / HTTP/1.1\r\n" + "X-A: 1\r\n".repeat(Request.MAX_FIELDS) + "\r\n")
                .headers().get("X-A").size());
    }

    /** A prefix, then the byte 'a' for ever: a header line that never ends. */
    private static final class CountingStream extends java.io.InputStream {
        private final byte[] prefix;
        long served;

        CountingStream(String prefix) {
            this.prefix = prefix.getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public int read() {
            return served < prefix.length ? prefix[(int) served++] : (served++ >= 0 ? 'a' : -1);
        }
    }
}
