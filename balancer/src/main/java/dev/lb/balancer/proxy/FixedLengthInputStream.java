package dev.lb.balancer.proxy;

import java.io.EOFException;
import java.io.IOException;

/**
 * A response body of known length (Content-Length), or, with {@link #UNTIL_CLOSE}, one that ends when the
 * backend closes the connection. A fixed-length body that ends early is an {@link EOFException}, so a
 * truncated answer is never passed off as complete.
 */
final class FixedLengthInputStream extends BodyInputStream {
    static final long UNTIL_CLOSE = -1;

    private final BackendInput in;
    private final Runnable onComplete;
    private long remaining;

    /** {@code onComplete} runs once, when the whole body was read. */
    FixedLengthInputStream(BackendInput in, long length, Runnable onComplete) {
        this.in = in;
        this.remaining = length;
        this.onComplete = onComplete;
        if (length == 0) {
            onComplete.run();
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        if (length == 0) {
            return 0;
        }
        int wanted = remaining == UNTIL_CLOSE ? length : (int) Math.min(length, remaining);
        int n = in.read(buffer, offset, wanted);
        if (n < 0) {
            if (remaining == UNTIL_CLOSE) {
                remaining = 0;
                onComplete.run();
                return -1;
            }
            throw new EOFException(BackendInput.EOF_MESSAGE);
        }
        if (remaining != UNTIL_CLOSE) {
            remaining -= n;
            if (remaining == 0) {
                onComplete.run();
            }
        }
        return n;
    }

    @Override
    public int available() {
        int buffered = in.buffered();
        return remaining == UNTIL_CLOSE ? buffered : (int) Math.min(buffered, remaining);
    }
}
