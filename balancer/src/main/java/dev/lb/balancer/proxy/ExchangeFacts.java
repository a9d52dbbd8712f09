package dev.lb.balancer.proxy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * What one exchange did, gathered while it runs for its access-log line and its log lines. Owned by
 * the exchange's request thread alone: plain fields, no sharing.
 */
final class ExchangeFacts {
    /** The request's ID, or null when IDs are off. */
    final String requestId;
    /** Whether the access log wants the body counted. */
    private final boolean countBytes;
    String backend = "";
    long backendNanos = -1;
    int retries;
    /** A short word for the failure, empty when none; the first one set is kept. */
    private String error = "";
    long bytesOut;
    private long bytesIn;

    ExchangeFacts(String requestId, boolean countBytes) {
        this.requestId = requestId;
        this.countBytes = countBytes;
    }

    String error() {
        return error;
    }

    /** Records the failure that ended the exchange, unless an earlier, more precise one was recorded. */
    void failed(String word) {
        if (error.isEmpty()) {
            error = word;
        }
    }

    long bytesIn() {
        return bytesIn;
    }

    /** The client's body stream, counted when the access log wants it (one add per read, else nothing). */
    InputStream countIn(InputStream body) {
        if (!countBytes) {
            return body;
        }
        return new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    bytesIn++;
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    bytesIn += n;
                }
                return n;
            }
        };
    }

    /** " (request ID)" for the balancer's own log lines, empty when IDs are off. */
    String logSuffix() {
        return requestId == null ? "" : " (request " + requestId + ")";
    }
}
