package dev.lb.balancer.upstream;

/**
 * The steps one attempt to send a request to a backend got through, for the retry decision: a failure
 * before the request head was written (connect refused, connect timeout) may go to another backend,
 * whatever the method; a failure on a pooled connection before any response byte arrived is most
 * likely a connection the backend closed while idle, and may be repeated on a fresh connection. Each
 * client marks the steps as it takes them; the request thread that owns the attempt reads them after
 * the client returned or threw.
 */
public final class Attempt {
    private volatile boolean requestSent;
    private volatile boolean connected;
    private volatile boolean acquired;
    private volatile boolean responseStarted;

    /** A connection was taken from a pool. */
    void pooledConnection() {
        acquired = true;
    }

    /** A new connection is being opened. */
    void connectStart() {
        connected = true;
    }

    /** A connection, new or pooled, carries the attempt. */
    void connectionAcquired() {
        acquired = true;
    }

    /** The request head is about to be written. */
    void requestHeadStart() {
        requestSent = true;
    }

    /** The first byte of the response arrived. */
    void responseStart() {
        responseStarted = true;
    }

    public boolean requestSent() {
        return requestSent;
    }

    /** The attempt ran on a connection taken from the pool, not one it opened. */
    public boolean reusedConnection() {
        return acquired && !connected;
    }

    public boolean responseStarted() {
        return responseStarted;
    }
}
