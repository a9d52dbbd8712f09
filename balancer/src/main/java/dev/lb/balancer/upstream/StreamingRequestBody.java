package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Streams the client's request body to the backend as the request is written, in fixed-size chunks:
 * a body of any size passes with constant memory. The client's bytes can be read once, so the first
 * {@value #RESEND_LIMIT} bytes consumed are kept: a body no longer than that can be sent again to
 * another connection ({@link #resendable()}), which is what a request failing on a connection the
 * backend had closed needs. A longer body, once started, cannot.
 */
public final class StreamingRequestBody {
    private static final int CHUNK = 64 * 1024;
    /**
     * Bodies up to this size can be resent. 64 KiB covers the form posts and JSON calls that make up
     * most request bodies, at a bounded cost per request in flight; longer uploads stream without a copy.
     */
    public static final int RESEND_LIMIT = 64 * 1024;

    /** Where the client's bytes come from: a read into the buffer, -1 at the end of the body. */
    @FunctionalInterface
    public interface Source {
        int read(byte[] buffer) throws IOException;
    }

    private final Source source;
    private final long contentLength;
    private volatile boolean started;
    /** Every byte consumed so far, while that is at most {@link #RESEND_LIMIT}; null before the first. */
    private byte[] kept;
    private int keptLength;
    /** More than {@link #RESEND_LIMIT} bytes were consumed: the copy was dropped, a resend is impossible. */
    private volatile boolean overflowed;
    /** The client's body ended: a resend needs no further read. */
    private boolean ended;

    /** @param contentLength the body's length, or -1 when the client sent it chunked */
    public StreamingRequestBody(Source source, long contentLength) {
        this.source = source;
        this.contentLength = contentLength;
    }

    /** The body's length, or -1 when unknown (it goes to the backend chunked). */
    public long contentLength() {
        return contentLength;
    }

    /** Whether any of the client's bytes were consumed. */
    public boolean started() {
        return started;
    }

    /** Whether every byte consumed so far is kept, so {@link #writeTo(OutputStream)} can run again. */
    public boolean resendable() {
        return !overflowed;
    }

    /**
     * Copies the client's body to {@code out}: first what was kept from an earlier attempt, then the rest
     * from the client. Returns the number of bytes copied.
     *
     * @throws IllegalStateException when called again after more than {@link #RESEND_LIMIT} bytes were consumed
     */
    long writeTo(OutputStream out) throws IOException {
        if (overflowed) {
            throw new IllegalStateException("the request body was streamed already and cannot be sent again");
        }
        started = true;
        long total = 0;
        if (keptLength > 0) {
            out.write(kept, 0, keptLength);
            total = keptLength;
        }
        if (ended) {
            return total;
        }
        byte[] buffer = new byte[contentLength > 0 && contentLength < CHUNK ? (int) contentLength : CHUNK];
        while (true) {
            int n;
            try {
                n = source.read(buffer);
            } catch (IOException e) {
                throw new ClientReadException(e);
            }
            if (n < 0) {
                ended = true;
                return total;
            }
            // Kept before it is written: a write that fails is exactly when the copy is needed.
            keep(buffer, n);
            out.write(buffer, 0, n);
            total += n;
        }
    }

    private void keep(byte[] buffer, int n) {
        if (overflowed) {
            return;
        }
        if (keptLength + n > RESEND_LIMIT) {
            overflowed = true;
            kept = null;
            return;
        }
        if (kept == null || keptLength + n > kept.length) {
            int wanted = contentLength > 0 ? (int) Math.min(contentLength, RESEND_LIMIT)
                    : Math.min(RESEND_LIMIT, Math.max(2 * keptLength, keptLength + n));
            kept = kept == null ? new byte[Math.max(wanted, n)] : Arrays.copyOf(kept, Math.max(wanted, keptLength + n));
        }
        System.arraycopy(buffer, 0, kept, keptLength, n);
        keptLength += n;
    }
}
