package dev.lb.balancer.proxy;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthPolicy;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NoBackendTest {
    private final Backend a = backend(1);
    private final Backend b = backend(2);
    private final Backend c = backend(3);
    private final BackendPool pool = new BackendPool(List.of(a, b, c), new HealthPolicy(1, 1), Clock.systemUTC());

    @Test
    void everyBackendDownKeepsTheHealthWording() {
        down(a);
        down(b);
        down(c);

        assertEquals("no healthy backend available", NoBackend.describe(pool.all()));
    }

    @Test
    void backendsTakenOutByAnOperatorAreNamedAsSuch() {
        pool.adminState(a, AdminState.MAINTENANCE, "test");
        pool.adminState(b, AdminState.MAINTENANCE, "test");
        pool.adminState(c, AdminState.DRAINING, "test");

        assertEquals("no backend in rotation: 2 in maintenance, 1 draining", NoBackend.describe(pool.all()));
    }

    @Test
    void mixedReasonsAreCountedEachBackendOnce() {
        down(a);
        down(b);
        pool.adminState(b, AdminState.MAINTENANCE, "test"); // down too, but an operator's decision comes first
        pool.weight(c, 0, "test");

        assertEquals("no backend in rotation: 1 down, 1 in maintenance, 1 with weight 0",
                NoBackend.describe(pool.all()));
    }

    @Test
    void anEmptyPoolSaysSo() {
        assertEquals("no backend in rotation: the pool is empty", NoBackend.describe(List.of()));
    }

    private void down(Backend backend) {
        pool.reportCheck(backend, new CheckResult(false, "HTTP 503", Instant.now(), Duration.ofMillis(1)));
    }
}
