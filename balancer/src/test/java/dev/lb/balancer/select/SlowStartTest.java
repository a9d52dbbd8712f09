package dev.lb.balancer.select;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.config.HashConfig;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.config.QueueConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.config.StickyCookieConfig;
import dev.lb.balancer.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The slow-start ramp, measured as shares of picks at chosen instants of an injected clock. */
class SlowStartTest {
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final int PICKS = 3000;

    private final ManualClock clock = new ManualClock();

    @Test
    void theShareGrowsFromATenthToAllOverTheWindow() {
        assertEquals(1.0, SlowStart.share(null, clock.instant(), WINDOW), "in rotation since start");
        assertEquals(0.1, SlowStart.share(clock.instant(), clock.instant(), WINDOW), 1e-9);
        assertEquals(0.55, SlowStart.share(clock.instant(), clock.instant().plus(WINDOW.dividedBy(2)), WINDOW), 1e-9);
        assertEquals(1.0, SlowStart.share(clock.instant(), clock.instant().plus(WINDOW), WINDOW));
        assertEquals(1.0, SlowStart.share(clock.instant(), clock.instant(), Duration.ZERO), "off");
    }

    @Test
    void aBackendThatComesUpTakesItsShareOfRoundRobinTurnsAsTheWindowPasses() {
        assertRamp(new RoundRobin());
    }

    @Test
    void aBackendThatComesUpTakesItsShareOfLeastConnectionsPicksAsTheWindowPasses() {
        assertRamp(new LeastConnections());
    }

    @Test
    void backendsInRotationSinceStartDoNotRamp() {
        List<Backend> backends = List.of(backend(1), backend(2));
        BackendPool pool = new BackendPool(backends, new HealthPolicy(1, 1), clock);

        assertNull(backends.get(0).enteredRotation());
        assertEquals(PICKS / 2, picks(queue(pool, new RoundRobin()), backends.get(1)));
    }

    @Test
    void anEnabledBackendRampsAgain() {
        List<Backend> backends = List.of(backend(1), backend(2), backend(3));
        BackendPool pool = new BackendPool(backends, new HealthPolicy(1, 1), clock);
        pool.adminState(backends.get(2), AdminState.DRAINING, "test");
        clock.advance(Duration.ofMinutes(5));

        pool.adminState(backends.get(2), AdminState.READY, "test");

        assertEquals(clock.instant(), backends.get(2).enteredRotation());
        double share = (double) picks(queue(pool, new RoundRobin()), backends.get(2)) / PICKS;
        assertTrue(share < 0.06, "a just-enabled backend took " + share);
    }

    /**
     * Two backends in rotation, a third coming UP: at the start of the window it takes about a tenth
     * of its third, at the middle about 55%, at the end all of it.
     */
    private void assertRamp(SelectionStrategy strategy) {
        Backend a = backend(1);
        Backend b = backend(2);
        Backend cold = new Backend(new ServerConfig(URI.create("http://127.0.0.1:3"), "cold", 1, false));
        BackendPool pool = new BackendPool(List.of(a, b, cold), new HealthPolicy(1, 1), clock);
        RequestQueue queue = queue(pool, strategy);

        pool.reportCheck(cold, new CheckResult(true, "HTTP 200", clock.instant(), Duration.ZERO));

        double full = 1.0 / 3;
        assertShare(0.1 * full, picks(queue, cold), "at the start");
        clock.advance(WINDOW.dividedBy(2));
        assertShare(0.55 * full, picks(queue, cold), "half way");
        clock.advance(WINDOW.dividedBy(2));
        assertShare(full, picks(queue, cold), "at the end");
    }

    private static void assertShare(double expected, int picks, String when) {
        double share = (double) picks / PICKS;
        assertTrue(Math.abs(share - expected) < 0.03, when + ": took " + share + " of the requests, expected about " + expected);
    }

    private RequestQueue queue(BackendPool pool, SelectionStrategy strategy) {
        RequestQueue queue = new RequestQueue(pool, strategy, QueueConfig.DEFAULT);
        queue.policy(new TrafficPolicy(HashConfig.DEFAULT, StickyCookieConfig.OFF, WINDOW, PassiveHealthConfig.OFF));
        return queue;
    }

    /** How many of {@value #PICKS} requests, each finished before the next, went to {@code target}. */
    private static int picks(RequestQueue queue, Backend target) {
        int n = 0;
        for (int i = 0; i < PICKS; i++) {
            try {
                Backend chosen = queue.acquire(List.of()).orElseThrow();
                n += chosen == target ? 1 : 0;
                queue.release(chosen);
            } catch (RequestQueue.Refused e) {
                throw new AssertionError(e);
            }
        }
        return n;
    }
}
