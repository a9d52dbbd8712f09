package dev.lb.balancer.proxy;

import java.io.IOException;
import java.net.ProtocolException;

/**
 * Decodes a chunked response body (RFC 9112 section 7.1): chunk extensions are ignored, trailer fields
 * read and dropped (the client gets its own chunked framing, without them). Every size and line is
 * bounded, so a broken or hostile backend ends in a {@link ProtocolException}, never a hang on a huge
 * line or an overflowing size.
 */
final class ChunkedInputStream extends BodyInputStream {
    /** Longest chunk-size line (size and extensions) accepted. */
    static final int MAX_SIZE_LINE = 4 * 1024;
    /** Largest trailer section accepted. */
    static final int MAX_TRAILER_BYTES = 64 * 1024;

    private final BackendInput in;
    private final Runnable onComplete;
    /** Bytes left in the current chunk; 0 between chunks. */
    private long remaining;
    private boolean inChunk;
    private boolean done;

    /** {@code onComplete} runs once, when the last chunk and the trailers were read. */
    ChunkedInputStream(BackendInput in, Runnable onComplete) {
        this.in = in;
        this.onComplete = onComplete;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (done) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        if (remaining == 0) {
            if (inChunk) {
                endOfChunk();
            }
            remaining = chunkSize();
            if (remaining == 0) {
                skipTrailers();
                done = true;
                onComplete.run();
                return -1;
            }
            inChunk = true;
        }
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new ProtocolException(BackendInput.EOF_MESSAGE + " inside a chunk");
        }
        remaining -= n;
        return n;
    }

    @Override
    public int available() {
        return done ? 0 : (int) Math.min(in.buffered(), remaining);
    }

    private void endOfChunk() throws IOException {
        if (!in.readLine(1).isEmpty()) {
            throw new ProtocolException("chunk not followed by CRLF");
        }
        inChunk = false;
    }

    /** Hex digits, then optional whitespace and ";extensions", which are ignored. */
    private long chunkSize() throws IOException {
        String line = in.readLine(MAX_SIZE_LINE);
        long size = 0;
        int digits = 0;
        int i = 0;
        for (; i < line.length(); i++) {
            int digit = Character.digit(line.charAt(i), 16);
            if (digit < 0) {
                break;
            }
            if (++digits > 15) {
                throw new ProtocolException("chunk size too large: " + shortened(line));
            }
            size = size * 16 + digit;
        }
        String rest = line.substring(i).trim();
        if (digits == 0 || !rest.isEmpty() && !rest.startsWith(";")) {
            throw new ProtocolException("expected chunk size and optional extensions but was \"" + shortened(line) + "\"");
        }
        return size;
    }

    private void skipTrailers() throws IOException {
        int budget = MAX_TRAILER_BYTES;
        while (true) {
            String line = in.readLine(budget);
            if (line.isEmpty()) {
                return;
            }
            budget -= line.length() + 2;
            if (budget < 0) {
                throw new ProtocolException("chunked trailers larger than " + MAX_TRAILER_BYTES + " bytes");
            }
        }
    }

    private static String shortened(String line) {
        return line.length() > 40 ? line.substring(0, 40) + "..." : line;
    }
}
