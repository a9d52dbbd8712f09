package dev.lb.balancer.upstream;

import dev.lb.balancer.upstream.Http1Codec.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ChunkedStreamsTest {

    @Test
    void chunksAreDecodedIgnoringExtensionsAndTrailersAreDropped() throws IOException {
        BackendInput in = input("3\r\nabc\r\n2;name=value\r\nde\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
        Http1Codec codec = chunked(in);
        InputStream body = codec.body();

        assertEquals("abcde0123456789", new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(State.BODY_READ, codec.state(), "complete once the last chunk and the trailers were read");
        assertEquals(-1, body.read());
        assertEquals(State.BODY_READ, codec.state());
        byte[] rest = new byte[4];
        assertEquals(4, in.read(rest, 0, 4));
        assertEquals("NEXT", new String(rest, StandardCharsets.ISO_8859_1), "not a byte of the next message was taken");
    }

    @Test
    void whatTheEncoderWritesTheDecoderReadsBack() throws IOException {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ChunkedOutputStream out = new ChunkedOutputStream(wire);
        for (int offset = 0; offset < data.length; ) {
            int n = Math.min(data.length - offset, 1 + offset % 70_000);
            out.write(data, offset, n);
            offset += n;
        }
        out.write(data, 0, 0);
        out.finish();

        InputStream in = chunked(new BackendInput(new ByteArrayInputStream(wire.toByteArray()), 8192)).body();
        assertArrayEquals(data, in.readAllBytes());
    }

    @Test
    void theEncoderFramesEachWriteAsOneChunkAndEndsWithTheLastChunk() throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ChunkedOutputStream out = new ChunkedOutputStream(wire);
        out.write("hello world, chunked".getBytes(StandardCharsets.ISO_8859_1));
        out.write(new byte[0]);
        out.finish();

        assertEquals("14\r\nhello world, chunked\r\n0\r\n\r\n", wire.toString(StandardCharsets.ISO_8859_1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "zz\r\nhello\r\n0\r\n\r\n",          // not hex
            "\r\nhello\r\n0\r\n\r\n",            // no size
            "5 x\r\nhello\r\n0\r\n\r\n",         // junk after the size
            "5\r\nhelloXX\r\n0\r\n\r\n",         // no CRLF after the data
            "-5\r\nhello\r\n0\r\n\r\n",          // negative
            "10000000000000000\r\n",             // overflows a long
            "ffffffffffffffff\r\n"})
    void malformedChunkingIsAProtocolException(String body) {
        InputStream in = chunked(input(body)).body();
        assertThrows(ProtocolException.class, in::readAllBytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX-T: 1\r\n", ""})
    void aBodyCutShortIsAnErrorNeverAnEnd(String body) {
        InputStream in = chunked(input(body)).body();
        IOException e = assertThrows(IOException.class, in::readAllBytes);
        assertEquals(true, e.getMessage().startsWith("unexpected end of stream"), e.getMessage());
    }

    @Test
    void anEndlessChunkSizeLineOrTrailerIsRejectedAtTheLimit() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            InputStream endlessExtension = endless("5;", 'x');
            assertThrows(ProtocolException.class, () -> chunked(new BackendInput(endlessExtension, 8192)).body().readAllBytes());
            InputStream endlessTrailers = endless("0\r\n", 'x');
            assertThrows(ProtocolException.class, () -> chunked(new BackendInput(endlessTrailers, 8192)).body().readAllBytes());
        });
    }

    @Test
    void availableNeverCountsBytesBeyondTheChunk() throws IOException {
        InputStream in = chunked(input("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")).body();
        byte[] one = new byte[1];
        in.read(one, 0, 1);
        assertEquals(2, in.available());
    }

    @Test
    void aFixedLengthBodyCutShortIsAnEndOfStreamAndAWholeOneCompletes() throws IOException {
        Http1Codec whole = Http1Codec.readingBody(input("helloNEXT"), State.READING_FIXED_LENGTH, 5);
        assertEquals("hello", new String(whole.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(State.BODY_READ, whole.state());

        InputStream cut = Http1Codec.readingBody(input("hel"), State.READING_FIXED_LENGTH, 5).body();
        assertThrows(EOFException.class, cut::readAllBytes);

        Http1Codec untilClose = Http1Codec.readingBody(input("all of it"), State.READING_UNTIL_CLOSE, 0);
        assertEquals("all of it", new String(untilClose.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(State.ENDED_BY_CLOSE, untilClose.state());
    }

    private static InputStream endless(String prefix, char filler) {
        byte[] start = prefix.getBytes(StandardCharsets.ISO_8859_1);
        return new InputStream() {
            private int position;

            @Override
            public int read() {
                return position < start.length ? start[position++] : filler;
            }
        };
    }

    private static Http1Codec chunked(BackendInput in) {
        return Http1Codec.readingBody(in, State.READING_CHUNK_SIZE, 0);
    }

    private static BackendInput input(String text) {
        return ResponseHeadTest.input(text);
    }
}
