package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Frames a request body of unknown length as chunks (RFC 9112 section 7.1): each write becomes one chunk,
 * {@link #finish()} writes the last chunk. Nothing is buffered here; the connection's output buffers.
 */
final class ChunkedOutputStream extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final OutputStream out;

    ChunkedOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            // A zero-size chunk would end the body.
            return;
        }
        byte[] size = (Integer.toHexString(length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(size, 0, size.length);
        out.write(bytes, offset, length);
        out.write(CRLF, 0, 2);
    }

    /** Ends the body; the underlying stream stays open (the connection may carry the next request). */
    void finish() throws IOException {
        out.write(LAST_CHUNK, 0, LAST_CHUNK.length);
    }
}
