package dev.lb.balancer.proxy;

import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;

import java.net.InetSocketAddress;
import java.net.Proxy;

/**
 * Observes one attempt to send a request to a backend, to tell {@link RetryPolicy} which failures are
 * safe to retry. A failure before the request headers were written (connect refused, connect timeout)
 * may go to another backend, whatever the method. A failure on a pooled connection before any response
 * byte arrived is most likely a connection the backend closed while idle, and may be repeated on a
 * fresh connection.
 * OkHttp reports these steps as listener events; the plain-HTTP client calls the same marks directly.
 */
final class Attempt extends EventListener {
    private volatile boolean requestSent;
    private volatile boolean connected;
    private volatile boolean acquired;
    private volatile boolean responseStarted;

    @Override
    public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
        connected = true;
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
        acquired = true;
    }

    @Override
    public void requestHeadersStart(Call call) {
        requestSent = true;
    }

    @Override
    public void responseHeadersStart(Call call) {
        responseStarted = true;
    }

    /** The plain-HTTP client took a pooled connection. */
    void pooledConnection() {
        acquired = true;
    }

    /** The plain-HTTP client opens a new connection. */
    void newConnection() {
        connected = true;
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

    boolean requestSent() {
        return requestSent;
    }

    /** The attempt ran on a connection taken from the pool, not one it opened. */
    boolean reusedConnection() {
        return acquired && !connected;
    }

    boolean responseStarted() {
        return responseStarted;
    }
}
