package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundRobinTest {
    private final RoundRobin strategy = new RoundRobin();

    @Test
    void takesTurnsInOrder() {
        Backend a = backend(1);
        Backend b = backend(2);
        Backend c = backend(3);
        List<Backend> order = new ArrayList<>();

        for (int i = 0; i < 6; i++) {
            order.add(strategy.select(List.of(a, b, c)).orElseThrow());
        }

        assertEquals(List.of(a, b, c, a, b, c), order);
    }

    @Test
    void weightsThreeAndOneSpreadThreeToOne() {
        Backend three = backend(1, 3);
        Backend one = backend(2, 1);
        Map<Backend, Integer> picks = new HashMap<>();

        for (int i = 0; i < 400; i++) {
            picks.merge(strategy.select(List.of(three, one)).orElseThrow(), 1, Integer::sum);
        }

        assertEquals(300, picks.get(three));
        assertEquals(100, picks.get(one));
    }

    @Test
    void noCandidatesMeansNoChoice() {
        assertTrue(strategy.select(List.of()).isEmpty());
    }
}
