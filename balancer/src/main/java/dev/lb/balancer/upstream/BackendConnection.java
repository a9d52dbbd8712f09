package dev.lb.balancer.upstream;

import java.io.IOException;

/**
 * One open HTTP/1.1 connection to a backend with its buffers, which stay with it between requests so a
 * reused connection allocates nothing. Used by one exchange at a time; idle ones wait in
 * {@link BackendConnections}.
 */
final class BackendConnection {
    static final int BUFFER_SIZE = 8 * 1024;

    private final Endpoint endpoint;
    private final WatchedChannel channel;
    private final BackendInput in;
    private final BackendOutput out;
    private final Http1Codec codec;
    /** The pool's ticker time when it went back to the pool. */
    private long idleSince;

    BackendConnection(Endpoint endpoint, WatchedChannel channel) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.in = new BackendInput(channel.input(), BUFFER_SIZE);
        this.out = new BackendOutput(channel.output(), BUFFER_SIZE);
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
        channel.readTimeout(timeoutMs);
    }

    void idleSince(long nanos) {
        idleSince = nanos;
    }

    long idleSince() {
        return idleSince;
    }

    /**
     * Whether the backend has left this idle connection alone: neither closed it nor sent anything
     * unasked. Never waits: see {@link WatchedChannel#quiet()}.
     */
    boolean stillUsable() {
        return channel.quiet();
    }

    boolean isClosed() {
        return channel.isClosed();
    }

    /** Ends the connection; also how an exchange in progress is cancelled from the client's side. */
    void close() {
        codec.closed();
        channel.close();
    }
}
