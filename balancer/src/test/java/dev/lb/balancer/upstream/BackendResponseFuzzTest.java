package dev.lb.balancer.upstream;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lb.balancer.upstream.Http1Codec.State;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The direct client's reading side under any bytes a backend may send: the response-head parser
 * ({@link ResponseHead}), the body framing of {@link Http1Codec} (chunked, fixed length, until close)
 * and the chunked writer ({@link ChunkedOutputStream}) it must agree with. The properties: every head
 * stays within {@link Http1Limits}; an answer is read to exactly the end its framing gives, as a
 * strict reading of RFC 9112 sections 6 and 7.1 computes it ({@link StrictFraming}), so what follows
 * it on a kept-alive connection is never taken for part of it, nor part of it for the next answer; and
 * a body written by the chunked writer in any chunk sizes reads back unchanged. Every failure is an
 * IOException, the kind the proxy turns into 502. Replayed over {@code BackendResponseFuzzTestInputs}
 * by every build; fuzzed by {@code bench/fuzz.sh}.
 */
class BackendResponseFuzzTest {
    /** Small limits, so the fuzzer reaches every one of them. */
    private static final Http1Limits SMALL = new Http1Limits(512, 8, 3, 64, 256);
    private static final Endpoint ENDPOINT = Endpoint.of(URI.create("http://backend.test:8001"));

    @FuzzTest
    void aResponseHeadStaysWithinItsLimits(byte[] bytes) {
        ByteArrayInputStream socket = new ByteArrayInputStream(bytes);
        BackendInput in = new BackendInput(socket, 64);
        ResponseHead head;
        try {
            head = ResponseHead.read(in, SMALL);
        } catch (ProtocolException | EOFException refused) {
            return;
        } catch (IOException e) {
            fail("only a protocol error or an early end: " + e);
            return;
        }
        assertTrue(head.size() <= SMALL.maxHeaderFields(), head.size() + " fields");
        int consumed = bytes.length - in.buffered() - socket.available();
        // The limit bounds status line and fields; the empty line that ends the head is not counted.
        assertTrue(consumed <= SMALL.maxHeadBytes() + 2, consumed + " bytes of head read under a limit of " + SMALL.maxHeadBytes());
        assertTrue(head.code() >= 0 && head.code() <= 999);
        for (int i = 0; i < head.size(); i++) {
            assertEquals(head.value(i).trim(), head.value(i), "values are trimmed");
        }
    }

    @FuzzTest
    void anAnswerIsReadToExactlyTheEndItsFramingGives(byte[] bytes) throws IOException {
        if (bytes.length < 2) {
            return;
        }
        String method = (bytes[0] & 1) == 0 ? "GET" : "HEAD";
        int bufferSize = 16 + (bytes[0] & 0xff);
        int readSize = 1 + (bytes[1] & 0xff);
        byte[] answer = Arrays.copyOfRange(bytes, 2, bytes.length);

        ByteArrayInputStream socket = new ByteArrayInputStream(answer);
        BackendInput in = new BackendInput(socket, bufferSize);
        Http1Codec codec = new Http1Codec(in, new BackendOutput(OutputStream.nullOutputStream(), 256), SMALL);
        codec.writeRequest(new BackendRequest(method, "/", List.of("Host", "h"), true, null), ENDPOINT);
        ResponseHead head;
        try {
            head = codec.readResponse(method, new Attempt());
        } catch (ProtocolException | EOFException refused) {
            assertEquals(State.CLOSED, codec.state());
            return;
        }
        int bodyStart = answer.length - in.buffered() - socket.available();
        StrictFraming.Result expected = StrictFraming.read(method, head, answer, bodyStart, SMALL);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        IOException failure = readAll(codec, readSize, body);
        int end = answer.length - in.buffered() - socket.available();

        switch (expected.outcome()) {
            case COMPLETE -> {
                assertEquals(null, failure, "a well-framed body is read without error");
                assertEquals(State.BODY_READ, codec.state());
                assertArrayEquals(expected.body(), body.toByteArray(), "the body");
                assertEquals(expected.end(), end, "read to exactly the end of the framing, not a byte past it");
            }
            case UNTIL_CLOSE -> {
                assertEquals(null, failure);
                assertEquals(State.ENDED_BY_CLOSE, codec.state());
                assertArrayEquals(expected.body(), body.toByteArray());
            }
            case INVALID -> {
                assertTrue(failure != null || codec.state() == State.CLOSED,
                        "a broken framing is an error, not a body: read " + body.size() + " bytes, state " + codec.state());
                assertTrue(codec.state() == State.CLOSED, "never reused after a broken framing");
            }
        }
    }

    @FuzzTest
    void whatTheChunkedWriterFramesTheReaderReadsBack(FuzzedDataProvider data) throws IOException {
        int bufferSize = data.consumeInt(1, 300);
        int readSize = data.consumeInt(1, 300);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ChunkedOutputStream chunked = new ChunkedOutputStream(wire);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        while (data.remainingBytes() > 0) {
            byte[] piece = data.consumeBytes(data.consumeInt(0, 400));
            if (data.consumeBoolean()) {
                chunked.write(piece, 0, piece.length);
            } else {
                for (byte b : piece) {
                    chunked.write(b);
                }
            }
            sent.write(piece);
        }
        chunked.finish();
        wire.write("NEXT".getBytes(StandardCharsets.ISO_8859_1));

        ByteArrayInputStream socket = new ByteArrayInputStream(wire.toByteArray());
        BackendInput in = new BackendInput(socket, bufferSize);
        Http1Codec codec = Http1Codec.readingBody(in, State.READING_CHUNK_SIZE, 0);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        IOException failure = readAll(codec, readSize, received);

        assertEquals(null, failure);
        assertArrayEquals(sent.toByteArray(), received.toByteArray());
        assertEquals(State.BODY_READ, codec.state());
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] buffer = new byte[4];
        for (int n = in.read(buffer, 0, 4); n > 0; n = in.read(buffer, 0, 4)) {
            rest.write(buffer, 0, n);
        }
        assertEquals("NEXT", rest.toString(StandardCharsets.ISO_8859_1), "the next message is untouched");
    }

    private static IOException readAll(Http1Codec codec, int readSize, OutputStream into) {
        InputStream body = codec.body();
        byte[] buffer = new byte[readSize];
        try {
            while (true) {
                int n = body.read(buffer, 0, buffer.length);
                if (n < 0) {
                    return null;
                }
                assertTrue(n > 0, "a read of a non-empty buffer returns bytes or the end");
                into.write(buffer, 0, n);
            }
        } catch (IOException e) {
            return e;
        }
    }

    /**
     * RFC 9112's message framing, written from the RFC rather than from the codec, with the codec's
     * documented leniencies (a line may end in LF alone; chunk extensions and trailer fields are read and
     * ignored) and its limits. Only ASCII hex digits make a chunk size, and only spaces and tabs may
     * stand between it and an extension.
     */
    static final class StrictFraming {
        enum Outcome { COMPLETE, UNTIL_CLOSE, INVALID }

        record Result(Outcome outcome, byte[] body, int end) {
        }

        static Result read(String method, ResponseHead head, byte[] answer, int start, Http1Limits limits) {
            int code = head.code();
            if (method.equals("HEAD") || code < 200 || code == 204 || code == 304) {
                return new Result(Outcome.COMPLETE, new byte[0], start);
            }
            List<String> codings = head.values("Transfer-Encoding");
            if (!codings.isEmpty()) {
                String last = codings.get(codings.size() - 1);
                last = last.substring(last.lastIndexOf(',') + 1).trim();
                return last.equalsIgnoreCase("chunked") ? chunked(answer, start, limits)
                        : untilClose(answer, start);
            }
            List<String> lengths = head.values("Content-Length");
            if (lengths.isEmpty()) {
                return untilClose(answer, start);
            }
            // RFC 9112 6.3: several Content-Length fields that differ are an invalid framing (502).
            String digits = lengths.get(0).trim();
            for (String length : lengths) {
                if (!length.trim().equals(digits)) {
                    return invalid();
                }
            }
            if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return invalid();
            }
            long n = Long.parseLong(digits);
            if (n > answer.length - start) {
                return invalid(); // ends early: an EOFException, never a short body passed off as complete
            }
            return new Result(Outcome.COMPLETE, Arrays.copyOfRange(answer, start, start + (int) n), start + (int) n);
        }

        private static Result untilClose(byte[] answer, int start) {
            return new Result(Outcome.UNTIL_CLOSE, Arrays.copyOfRange(answer, start, answer.length), answer.length);
        }

        private static Result chunked(byte[] answer, int start, Http1Limits limits) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            int at = start;
            while (true) {
                int lineEnd = lineEnd(answer, at);
                if (lineEnd < 0 || lineEnd - at > limits.maxChunkSizeLine()) {
                    return invalid();
                }
                String line = line(answer, at, lineEnd);
                at = lineEnd + 1;
                int i = 0;
                long size = 0;
                while (i < line.length() && isHex(line.charAt(i))) {
                    if (i == 15) {
                        return invalid();
                    }
                    size = size * 16 + Character.digit(line.charAt(i), 16);
                    i++;
                }
                if (i == 0) {
                    return invalid();
                }
                int j = i;
                while (j < line.length() && (line.charAt(j) == ' ' || line.charAt(j) == '\t')) {
                    j++;
                }
                if (j < line.length() && line.charAt(j) != ';') {
                    return invalid();
                }
                if (size == 0) {
                    return trailers(answer, at, body, limits);
                }
                if (size > answer.length - at) {
                    return invalid();
                }
                body.write(answer, at, (int) size);
                at += (int) size;
                int crlf = lineEnd(answer, at);
                if (crlf < 0 || crlf - at > 1 || crlf - at == 1 && answer[at] != '\r') {
                    return invalid();
                }
                at = crlf + 1;
            }
        }

        private static Result trailers(byte[] answer, int at, ByteArrayOutputStream body, Http1Limits limits) {
            int budget = limits.maxTrailerBytes();
            while (true) {
                int lineEnd = lineEnd(answer, at);
                if (lineEnd < 0) {
                    return invalid();
                }
                if (lineEnd - at > budget) {
                    return invalid();
                }
                String line = line(answer, at, lineEnd);
                int bytes = lineEnd - at + 1; // the limit counts bytes, line end included
                at = lineEnd + 1;
                if (line.isEmpty()) {
                    return new Result(Outcome.COMPLETE, body.toByteArray(), at);
                }
                budget -= bytes;
                if (budget < 0) {
                    return invalid();
                }
            }
        }

        /** The index of the next LF, or -1. */
        private static int lineEnd(byte[] answer, int from) {
            for (int i = from; i < answer.length; i++) {
                if (answer[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** The line's bytes without its LF and a CR before it, one char per byte. */
        private static String line(byte[] answer, int from, int lineEnd) {
            int end = lineEnd > from && answer[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            return new String(answer, from, end - from, StandardCharsets.ISO_8859_1);
        }

        private static boolean isHex(char c) {
            return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
        }

        private static Result invalid() {
            return new Result(Outcome.INVALID, null, -1);
        }
    }
}
