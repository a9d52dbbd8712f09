package dev.lb.balancer.upstream;

import dev.lb.balancer.testing.ManualTicker;
import dev.lb.balancer.util.Timers;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendConnectionsTest {
    /** Idle ages are this ticker's: the tests say how long a connection has been idle. */
    private final ManualTicker ticker = new ManualTicker();
    private final Timers timers = new Timers(ticker);
    private final BlockingSocketFactory sockets = new BlockingSocketFactory(timers);
    private final AtomicLong idleTimeoutNanos = new AtomicLong(TimeUnit.SECONDS.toNanos(30));
    private final BackendConnections pool = new BackendConnections(sockets, idleTimeoutNanos::get, timers);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ServerSocket server;
    private Endpoint endpoint;
    /** The backend's end of the connection {@link #open()} opened last. */
    private Socket accepted;

    private void listen(int backlog) throws IOException {
        server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        toClose.add(server);
        endpoint = Endpoint.of(URI.create("http://127.0.0.1:" + server.getLocalPort()));
    }

    @AfterEach
    void closeAll() throws Exception {
        pool.close();
        sockets.close();
        timers.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void theMostRecentlyReturnedConnectionIsTakenFirst() throws IOException {
        listen(50);
        BackendConnection older = open();
        BackendConnection newer = open();
        pool.release(older);
        pool.release(newer);

        assertSame(newer, pool.takeIdle(endpoint));
        assertSame(older, pool.takeIdle(endpoint));
        assertNull(pool.takeIdle(endpoint));
    }

    @Test
    void aConnectionIdlePastTheTimeoutIsClosedByTheSweepEvenWithoutTraffic() throws IOException {
        listen(50);
        idleTimeoutNanos.set(TimeUnit.MILLISECONDS.toNanos(100));
        BackendConnection connection = open();
        pool.release(connection);
        assertEquals(1, pool.idleConnections());

        ticker.advance(Duration.ofMillis(100));
        pool.evictIdle(ticker.nanoTime());
        assertEquals(0, pool.idleConnections(), "swept at the instant its idle time reached the timeout");

        assertNull(pool.takeIdle(endpoint));
        assertTrue(connection.isClosed(), "an expired connection is closed, not just forgotten");
    }

    @Test
    void aShorterTimeoutFromAReloadAppliesToConnectionsAlreadyPooled() throws IOException {
        listen(50);
        BackendConnection connection = open();
        pool.release(connection);

        idleTimeoutNanos.set(1); // read at each use, as a reload changes it
        ticker.advance(Duration.ofNanos(1));

        assertNull(pool.takeIdle(endpoint));
        assertTrue(connection.isClosed());
    }

    @Test
    void noMoreThanTheCapStayIdle() throws IOException {
        int cap = 20;
        BackendConnections capped = new BackendConnections(sockets, idleTimeoutNanos::get, timers, cap);
        toClose.add(capped);
        listen(cap + 10);
        List<BackendConnection> all = new ArrayList<>();
        for (int i = 0; i < cap + 5; i++) {
            all.add(open());
        }
        all.forEach(capped::release);

        assertEquals(cap, capped.idleConnections());
        assertEquals(5, all.stream().filter(BackendConnection::isClosed).count(), "the ones over the cap are closed");
    }

    @Test
    void aBurstOfSeveralHundredReturnedConnectionsIsAllKeptForTheNextBurst() throws IOException {
        // Given: as many connections in flight at once as a few hundred busy clients cause
        int burst = 400;
        listen(burst + 10);
        List<BackendConnection> all = new ArrayList<>();
        for (int i = 0; i < burst; i++) {
            all.add(open());
        }

        // When: they all come back before the next requests take them
        all.forEach(pool::release);

        // Then: none is closed, and the next burst reuses every one of them instead of connecting again
        assertEquals(burst, pool.idleConnections());
        assertEquals(0, all.stream().filter(BackendConnection::isClosed).count());
        for (int i = 0; i < burst; i++) {
            assertNotNull(pool.takeIdle(endpoint), "pooled connection " + i);
        }
        assertNull(pool.takeIdle(endpoint));
    }

    @Test
    void aPooledConnectionTheBackendClosedWhileIdleIsNotHandedOut() throws IOException {
        listen(50);
        BackendConnection connection = open();
        pool.release(connection);
        accepted.close();
        awaitIdleLongEnoughToBeChecked(connection);
        awaitArrived(connection, "the backend's close");

        assertNull(pool.takeIdle(endpoint));
        assertTrue(connection.isClosed());
    }

    @Test
    void aPooledConnectionTheBackendSentUnaskedBytesOnIsNotHandedOut() throws IOException {
        listen(50);
        BackendConnection connection = open();
        pool.release(connection);
        accepted.getOutputStream().write("HTTP/1.1 408 Request Timeout\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        accepted.getOutputStream().flush();
        awaitIdleLongEnoughToBeChecked(connection);
        awaitArrived(connection, "the unasked bytes");

        assertNull(pool.takeIdle(endpoint));
        assertTrue(connection.isClosed());
    }

    @Test
    void aQuietPooledConnectionPassesTheCheckAndCarriesTheNextExchange() throws IOException {
        listen(50);
        BackendConnection connection = open();
        pool.release(connection);
        awaitIdleLongEnoughToBeChecked(connection);

        BackendConnection taken = pool.takeIdle(endpoint);

        assertSame(connection, taken);
        taken.readTimeout(30_000);
        accepted.getOutputStream().write("x\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("x", taken.in().readLine(10), "nothing was lost to the check");
    }

    private void awaitIdleLongEnoughToBeChecked(BackendConnection connection) {
        ticker.advance(Duration.ofNanos(2 * BackendConnections.PROBE_AFTER_IDLE_NANOS + 1));
        assertTrue(ticker.nanoTime() - connection.idleSince() > 2 * BackendConnections.PROBE_AFTER_IDLE_NANOS);
    }

    /**
     * The check reads without waiting, so what the backend sent must have reached this side first.
     * Asking the channel directly is itself the check; it leaves a closed or talkative connection as it
     * found it (unusable), so the pool's own check still has the same to find.
     */
    private static void awaitArrived(BackendConnection connection, String what) {
        Await.until(what + " to arrive", Duration.ofSeconds(20), () -> !connection.stillUsable());
    }

    private BackendConnection open() throws IOException {
        BackendConnection connection = pool.open(endpoint, 5_000, 30_000);
        accepted = server.accept();
        toClose.add(accepted);
        return connection;
    }
}
