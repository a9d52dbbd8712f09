package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.lb.balancer.testing.Backends.backend;
import static dev.lb.balancer.testing.Backends.busy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeastConnectionsTest {
    private final LeastConnections strategy = new LeastConnections();

    @Test
    void picksTheBackendWithFewestRequestsInFlight() {
        Backend a = busy(backend(1), 3);
        Backend b = busy(backend(2), 1);
        Backend c = busy(backend(3), 2);

        for (int i = 0; i < 10; i++) {
            assertEquals(b, strategy.select(List.of(a, b, c)).orElseThrow());
        }
    }

    @Test
    void spreadsTiesInsteadOfAlwaysTakingTheFirst() {
        List<Backend> idle = List.of(backend(1), backend(2), backend(3));
        Map<Backend, Integer> picks = new HashMap<>();

        for (int i = 0; i < 300; i++) {
            picks.merge(strategy.select(idle).orElseThrow(), 1, Integer::sum);
        }

        assertEquals(3, picks.size());
        picks.values().forEach(n -> assertEquals(100, n));
    }

    @Test
    void comparesInFlightPerUnitOfWeight() {
        Backend heavy = busy(backend(1, 3), 5); // 5/3 < 2/1
        Backend light = busy(backend(2, 1), 2);

        assertEquals(heavy, strategy.select(List.of(light, heavy)).orElseThrow());
    }

    @Test
    void noCandidatesMeansNoChoice() {
        assertTrue(strategy.select(List.of()).isEmpty());
    }
}
