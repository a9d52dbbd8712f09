package dev.lb.balancer.upstream;

import dev.lb.balancer.util.Ticker;
import dev.lb.balancer.util.Timers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Idle connections to plain-HTTP backends, per endpoint, most recently used first (so the few that stay
 * busy stay warm and the rest age out). A connection idle longer than the idle timeout is closed, on the
 * next take or return, or by a sweep once a second when traffic stopped. At most
 * {@value #MAX_IDLE} idle connections in all (see there why that many). New connections are channels
 * from the {@link BlockingSocketFactory} ({@link WatchedChannel}).
 *
 * <p>A pooled connection is checked before it is handed out ({@link BackendConnection#stillUsable()}): one
 * the backend closed, or sent stray bytes on, is dropped instead of failing the request sent on it. A
 * close still on its way when the check runs is left to the proxy's replay on a fresh connection.
 *
 * <p>Idle ages are measured by the {@link Ticker} of the timers the sweep runs on; {@link #evictIdle(long)}
 * is the sweep for a given instant, so tests age connections by passing the time instead of waiting.
 */
final class BackendConnections implements AutoCloseable {
    /**
     * A safety bound, not a working limit: the pool keeps every connection a burst of requests will
     * want back a moment later, as HAProxy keeps its idle server connections and lets age retire them.
     * With 1,000 client connections about as many requests are in flight, and at any instant several
     * hundred of their backend connections sit idle between an answer and that client's next request.
     * The former cap of 256 closed that surplus on return, and the next takes opened new ones: in a
     * 1,000-connection run, about one request in twenty (some 500 connections closed in 10 s, 9,800
     * requests), each a connect that, on a saturated machine, can itself time out and take a healthy
     * backend out of rotation. The connections in use are bounded by the requests in flight anyway;
     * an idle one costs its two buffers ({@link BackendConnection#BUFFER_SIZE}) until the idle timeout
     * retires it.
     */
    static final int MAX_IDLE = 2048;
    /**
     * Idle time after which a connection is checked before reuse: none, every pooled connection is. The
     * check is one read that does not wait ({@link WatchedChannel#quiet()}), a system call, so it is
     * paid on every reuse as HAProxy and nginx in effect do (they see the backend's FIN on an idle
     * connection from their event loop).
     *
     * <p>It was once a read with a 1 ms timeout, and then only paid after 50 ms, later 250 ms, of idle:
     * on a virtual thread that read is a timed park, and under load the thread then waited for a core
     * behind every runnable one. A thread dump at 1,000 connections found 639 of 1,003 virtual threads
     * parked in it (docs/performance.md, "The p99 tail at 200 and 1,000 connections").
     * {@code -Dlb.backendProbeAfterIdleMs} sets a threshold, for measuring.
     */
    static final long PROBE_AFTER_IDLE_NANOS =
            TimeUnit.MILLISECONDS.toNanos(Long.getLong("lb.backendProbeAfterIdleMs", 0));

    private final BlockingSocketFactory sockets;
    private final LongSupplier idleTimeoutNanos;
    private final int maxIdle;
    private final Map<Endpoint, Deque<BackendConnection>> idle = new ConcurrentHashMap<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final Ticker ticker;
    private final Timers.Cancellable sweeps;

    /**
     * {@code idleTimeoutNanos} is read at each use: a reload may change it. The sweep runs on
     * {@code timers}, which stay the caller's, as do the sockets.
     */
    BackendConnections(BlockingSocketFactory sockets, LongSupplier idleTimeoutNanos, Timers timers) {
        this(sockets, idleTimeoutNanos, timers, MAX_IDLE);
    }

    /** With another bound on idle connections than {@link #MAX_IDLE} (tests). */
    BackendConnections(BlockingSocketFactory sockets, LongSupplier idleTimeoutNanos, Timers timers, int maxIdle) {
        this.sockets = sockets;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.maxIdle = maxIdle;
        this.ticker = timers.ticker();
        this.sweeps = timers.every(Duration.ofSeconds(1), this::evictIdle);
    }

    /** The most recently returned idle connection that has not expired nor been closed by the backend, or null. */
    BackendConnection takeIdle(Endpoint endpoint) {
        Deque<BackendConnection> deque = idle.get(endpoint);
        if (deque == null) {
            return null;
        }
        long now = ticker.nanoTime();
        long timeout = idleTimeoutNanos.getAsLong();
        BackendConnection connection;
        while ((connection = deque.pollFirst()) != null) {
            idleCount.decrementAndGet();
            long idleFor = now - connection.idleSince();
            if (idleFor < timeout && (idleFor < PROBE_AFTER_IDLE_NANOS || connection.stillUsable())) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    /**
     * A newly opened connection, trying each address of the host in turn until one accepts.
     *
     * @throws IOException the first address's failure, the others' suppressed
     */
    BackendConnection open(Endpoint endpoint, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        IOException first = null;
        for (InetAddress address : InetAddress.getAllByName(endpoint.host())) {
            WatchedChannel channel = null;
            try {
                channel = sockets.connectChannel(new InetSocketAddress(address, endpoint.port()), connectTimeoutMs);
                BackendConnection connection = new BackendConnection(endpoint, channel);
                connection.readTimeout(readTimeoutMs);
                return connection;
            } catch (IOException e) {
                if (channel != null) {
                    channel.close();
                }
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        throw first;
    }

    /** Keeps a connection whose last exchange ended cleanly for the next request to its endpoint. */
    void release(BackendConnection connection) {
        if (idleCount.incrementAndGet() > maxIdle) {
            idleCount.decrementAndGet();
            connection.close();
            return;
        }
        long now = ticker.nanoTime();
        connection.idleSince(now);
        Deque<BackendConnection> deque = idle.computeIfAbsent(connection.endpoint(), e -> new ConcurrentLinkedDeque<>());
        deque.offerFirst(connection);
        evictExpired(deque, now);
    }

    /** Idle connections now pooled, over all endpoints. */
    int idleConnections() {
        return Math.max(0, idleCount.get());
    }

    /** The oldest are at the tail: drop them from there until one is young enough. */
    private void evictExpired(Deque<BackendConnection> deque, long now) {
        long timeout = idleTimeoutNanos.getAsLong();
        BackendConnection oldest;
        while ((oldest = deque.peekLast()) != null && now - oldest.idleSince() >= timeout) {
            if (deque.removeLastOccurrence(oldest)) {
                idleCount.decrementAndGet();
                oldest.close();
            }
        }
    }

    /** Closes every idle connection that has been idle for the idle timeout at {@code now} (the ticker's nanos). */
    void evictIdle(long now) {
        for (Deque<BackendConnection> deque : idle.values()) {
            evictExpired(deque, now);
        }
    }

    @Override
    public void close() {
        sweeps.cancel();
        for (Deque<BackendConnection> deque : idle.values()) {
            BackendConnection connection;
            while ((connection = deque.pollFirst()) != null) {
                idleCount.decrementAndGet();
                connection.close();
            }
        }
    }
}
