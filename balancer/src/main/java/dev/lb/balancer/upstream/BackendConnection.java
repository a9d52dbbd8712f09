package dev.lb.balancer.upstream;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One open HTTP/1.1 connection to a backend with its buffers, which stay with it between requests so a
 * reused connection allocates nothing. Used by one exchange at a time; idle ones wait in
 * {@link BackendConnections}.
 */
final class BackendConnection {
    static final int BUFFER_SIZE = 8 * 1024;
    /** Short enough that the JDK enforces it ({@link BlockingSocketFactory#JDK_ENFORCED_BELOW_MS}), exactly. */
    static final int PROBE_TIMEOUT_MS = 1;

    private final Endpoint endpoint;
    private final Socket socket;
    private final BackendInput in;
    private final BackendOutput out;
    private final Http1Codec codec;
    private int readTimeoutMs = -1;
    /** The pool's ticker time when it went back to the pool. */
    private long idleSince;

    BackendConnection(Endpoint endpoint, Socket socket) throws IOException {
        this.endpoint = endpoint;
        this.socket = socket;
        this.in = new BackendInput(socket.getInputStream(), BUFFER_SIZE);
        this.out = new BackendOutput(socket.getOutputStream(), BUFFER_SIZE);
        this.codec = new Http1Codec(in, out, Http1Limits.DEFAULT);
    }

    Endpoint endpoint() {
        return endpoint;
    }

    BackendInput in() {
        return in;
    }

    /** Where this connection stands in its exchange; see {@link Http1Codec.State}. */
    Http1Codec codec() {
        return codec;
    }

    /** Applies the read (and write) timeout for the next exchange; a reload may have changed it. */
    void readTimeout(int timeoutMs) throws IOException {
        if (timeoutMs != readTimeoutMs) {
            socket.setSoTimeout(timeoutMs);
            readTimeoutMs = timeoutMs;
        }
    }

    void idleSince(long nanos) {
        idleSince = nanos;
    }

    long idleSince() {
        return idleSince;
    }

    /**
     * Whether the backend has left this idle connection alone: neither closed it (a read finds the end
     * of the stream) nor sent anything unasked (a read finds bytes, which would be taken for the next
     * answer). A read that times out after {@value #PROBE_TIMEOUT_MS} ms is the healthy outcome.
     *
     * <p>The cost, and why it is only paid by long-idle connections (see {@link BackendConnections}):
     * a JDK socket offers no read that returns at once when nothing is there, so this is a read with a
     * 1 ms timeout, as OkHttp probes a pooled connection. That takes about 1.2 ms on a healthy
     * connection (measured on loopback), and the timeout turns the socket non-blocking for good, so
     * its later reads cost a poll more (see {@link BlockingSocketFactory}). The next exchange gets its
     * own read timeout back through {@link #readTimeout(int)}.
     */
    boolean stillUsable() {
        try {
            socket.setSoTimeout(PROBE_TIMEOUT_MS);
            readTimeoutMs = PROBE_TIMEOUT_MS;
            in.read(new byte[1], 0, 1);
            return false; // the end of the stream, or a byte nobody asked for
        } catch (SocketTimeoutException quiet) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    boolean isClosed() {
        return socket.isClosed();
    }

    /** Ends the connection; also how an exchange in progress is cancelled from the client's side. */
    void close() {
        codec.closed();
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is wanted
        }
    }
}
