package dev.lb.balancer.proxy;

import dev.lb.balancer.server.ClientReadTimeout;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams the client's request body to the backend as the request is written, in fixed-size chunks:
 * a body of any size passes with constant memory. One-shot, since the client's bytes can be read once;
 * {@link #started()} tells whether any was consumed, which decides whether a retry is still possible.
 */
final class StreamingRequestBody extends RequestBody {
    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final long contentLength;
    private final ClientReadTimeout readTimeout;
    private volatile boolean started;

    StreamingRequestBody(InputStream in, long contentLength, ClientReadTimeout readTimeout) {
        this.in = in;
        this.contentLength = contentLength;
        this.readTimeout = readTimeout;
    }

    @Override
    public MediaType contentType() {
        // The client's Content-Type header is forwarded as is; returning one here would add a second.
        return null;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public boolean isOneShot() {
        return true;
    }

    boolean started() {
        return started;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        writeTo(sink.outputStream());
    }

    /** Copies the client's body to {@code out}; returns the number of bytes copied. */
    long writeTo(OutputStream out) throws IOException {
        started = true;
        long total = 0;
        byte[] buffer = new byte[CHUNK];
        while (true) {
            int n;
            try {
                n = readTimeout == null ? in.read(buffer) : readTimeout.read(in, buffer);
            } catch (IOException e) {
                throw new ClientReadException(e);
            }
            if (n < 0) {
                return total;
            }
            out.write(buffer, 0, n);
            total += n;
        }
    }
}
