package dev.lb.balancer.proxy;

import dev.lb.balancer.config.TimeoutConfig;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries proxied requests to backends. Plain-HTTP backends get a direct HTTP/1.1 exchange on pooled
 * connections ({@link BackendConnections}, {@link BackendExchange}); https backends go through OkHttp
 * ({@link OkHttpBackend}). Idle connections are dropped after {@code timeouts.backendIdle()} (4 s by
 * default), below the idle timeouts backends commonly use (Node and Apache 5 s, nginx 75 s, Tomcat/Jetty
 * 20-60 s); a connection idle a while is also checked for the backend's close before reuse
 * ({@link BackendConnections}), and a request that fails on one anyway is repeated on a fresh
 * connection when {@link RetryPolicy} says so. Sockets stay in blocking mode, their timeouts kept by a
 * watchdog: see {@link BlockingSocketFactory}.
 */
public final class BackendClient implements AutoCloseable {
    private final BlockingSocketFactory sockets = new BlockingSocketFactory();
    private final BackendConnections connections;
    private final OkHttpBackend https;
    /** Each plain-HTTP backend's endpoint, derived once; keyed by URL, so it only grows with distinct backends. */
    private final Map<URI, Endpoint> endpoints = new ConcurrentHashMap<>();

    private volatile TimeoutConfig timeouts;

    public BackendClient(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        this.connections = new BackendConnections(sockets, () -> this.timeouts.backendIdle().toNanos());
        this.https = new OkHttpBackend(timeouts, sockets);
    }

    /** New timeouts for calls started from now on; pooled connections and calls in flight are kept. */
    public void timeouts(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        https.timeouts(timeouts);
    }

    /** The timeouts calls started now get. */
    public TimeoutConfig timeouts() {
        return timeouts;
    }

    /**
     * Sends the request to the backend and returns once the answer's head arrived.
     *
     * @param fresh on a newly opened connection, for repeating a request that failed on a stale pooled one
     */
    BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh) throws IOException {
        if (!"http".equalsIgnoreCase(backend.getScheme())) {
            return https.execute(backend, request, attempt, fresh);
        }
        Endpoint endpoint = endpoints.computeIfAbsent(backend, Endpoint::of);
        TimeoutConfig current = timeouts;
        int readMs = (int) current.read().toMillis();
        BackendConnection connection = fresh ? null : connections.takeIdle(endpoint);
        if (connection != null) {
            attempt.pooledConnection();
            connection.readTimeout(readMs);
        } else {
            attempt.newConnection();
            connection = connections.open(endpoint, (int) current.connect().toMillis(), readMs);
        }
        return BackendExchange.start(connections, connection, request, attempt);
    }

    /** Idle pooled plain-HTTP connections. */
    int idleConnections() {
        return connections.idleConnections();
    }

    @Override
    public void close() {
        connections.close();
        https.close();
        sockets.close();
    }
}
