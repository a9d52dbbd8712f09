package dev.lb.balancer.proxy;

import java.io.IOException;
import java.net.Socket;

/**
 * One open HTTP/1.1 connection to a backend with its buffers, which stay with it between requests so a
 * reused connection allocates nothing. Used by one exchange at a time; idle ones wait in
 * {@link BackendConnections}.
 */
final class BackendConnection {
    static final int BUFFER_SIZE = 8 * 1024;

    private final Endpoint endpoint;
    private final Socket socket;
    private final BackendInput in;
    private final BackendOutput out;
    private int readTimeoutMs = -1;
    /** {@link System#nanoTime()} when it went back to the pool. */
    private long idleSince;

    BackendConnection(Endpoint endpoint, Socket socket) throws IOException {
        this.endpoint = endpoint;
        this.socket = socket;
        this.in = new BackendInput(socket.getInputStream(), BUFFER_SIZE);
        this.out = new BackendOutput(socket.getOutputStream(), BUFFER_SIZE);
    }

    Endpoint endpoint() {
        return endpoint;
    }

    BackendInput in() {
        return in;
    }

    BackendOutput out() {
        return out;
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

    boolean isClosed() {
        return socket.isClosed();
    }

    /** Ends the connection; also how an exchange in progress is cancelled from the client's side. */
    void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that is wanted
        }
    }
}
