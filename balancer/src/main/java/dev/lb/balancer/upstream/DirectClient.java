package dev.lb.balancer.upstream;

import dev.lb.balancer.config.TimeoutConfig;
import dev.lb.balancer.util.Timers;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries requests to plain-HTTP backends itself: one HTTP/1.1 exchange ({@link BackendExchange}, framed
 * by the connection's {@link Http1Codec}) per request, on pooled connections ({@link BackendConnections}).
 * Idle connections are dropped after {@code timeouts.backendIdle()} (4 s by default), below the idle
 * timeouts backends commonly use (Node and Apache 5 s, nginx 75 s, Tomcat/Jetty 20-60 s); a connection
 * idle a while is also checked for the backend's close before reuse ({@link BackendConnections}), and a
 * request that fails on one anyway is marked on its {@link Attempt} so the caller can repeat it on a
 * fresh connection. Sockets stay in blocking mode, their timeouts kept by a watchdog: see
 * {@link BlockingSocketFactory}.
 */
final class DirectClient implements BackendClient {
    private final BackendConnections connections;
    /** Each backend's endpoint, derived once; keyed by URL, so it only grows with distinct backends. */
    private final Map<URI, Endpoint> endpoints = new ConcurrentHashMap<>();

    private volatile TimeoutConfig timeouts;

    /** {@code sockets} and {@code timers} stay the caller's to close. */
    DirectClient(TimeoutConfig timeouts, BlockingSocketFactory sockets, Timers timers) {
        this.timeouts = timeouts;
        this.connections = new BackendConnections(sockets, () -> this.timeouts.backendIdle().toNanos(), timers);
    }

    @Override
    public void timeouts(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
    }

    @Override
    public TimeoutConfig timeouts() {
        return timeouts;
    }

    @Override
    public BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh)
            throws IOException {
        Endpoint endpoint = endpoints.computeIfAbsent(backend, Endpoint::of);
        TimeoutConfig current = timeouts;
        int readMs = (int) current.read().toMillis();
        BackendConnection connection = fresh ? null : connections.takeIdle(endpoint);
        if (connection != null) {
            attempt.pooledConnection();
            connection.readTimeout(readMs);
        } else {
            attempt.connectStart();
            attempt.connectionAcquired();
            connection = connections.open(endpoint, (int) current.connect().toMillis(), readMs);
        }
        return BackendExchange.start(connections, connection, request, attempt);
    }

    /** Idle pooled connections. */
    int idleConnections() {
        return connections.idleConnections();
    }

    @Override
    public void close() {
        connections.close();
    }
}
