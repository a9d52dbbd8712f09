package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.config.ServerConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WeightedSelectionTest {

    private static Backend backend(String name, int weight) {
        return new Backend(new ServerConfig(URI.create("http://" + name + ":80"), name, weight, true));
    }

    private static String picks(SelectionStrategy strategy, List<Backend> candidates, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(strategy.select(candidates).orElseThrow().name());
        }
        return String.join(" ", names);
    }

    private static Map<String, Long> count(SelectionStrategy strategy, List<Backend> candidates, int n) {
        Map<String, Long> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(strategy.select(candidates).orElseThrow().name(), 1L, Long::sum);
        }
        return counts;
    }

    @Test
    void roundRobinInterleavesWeightsThreeAndOne() {
        List<Backend> candidates = List.of(backend("a", 3), backend("b", 1));
        assertEquals("a a b a a a b a", picks(new RoundRobin(), candidates, 8));
    }

    @Test
    void roundRobinFollowsNginxSmoothOrderForFiveOneOne() {
        // The example from nginx's upstream round-robin: weights 5, 1, 1 give a a b a c a a.
        List<Backend> candidates = List.of(backend("a", 5), backend("b", 1), backend("c", 1));
        assertEquals("a a b a c a a", picks(new RoundRobin(), candidates, 7));
    }

    @Test
    void roundRobinFollowsAWeightChangeAtTheNextRequest() {
        Backend a = backend("a", 1);
        List<Backend> candidates = List.of(a, backend("b", 1));
        RoundRobin strategy = new RoundRobin();
        assertEquals(Map.of("a", 50L, "b", 50L), count(strategy, candidates, 100));
        setWeight(a, 3);
        assertEquals(Map.of("a", 300L, "b", 100L), count(strategy, candidates, 400));
    }

    @Test
    void roundRobinWithHugeWeightsStillSpreadsByWeight() {
        List<Backend> candidates = List.of(backend("a", 1000), backend("b", 1000), backend("c", 1000),
                backend("d", 1000), backend("e", 1000));
        Map<String, Long> counts = count(new RoundRobin(), candidates, 10_000);
        assertEquals(Map.of("a", 2000L, "b", 2000L, "c", 2000L, "d", 2000L, "e", 2000L), counts);
    }

    @Test
    void leastConnectionsComparesInFlightPerWeight() {
        Backend heavy = backend("heavy", 3);
        Backend light = backend("light", 1);
        List<Backend> candidates = List.of(heavy, light);
        LeastConnections strategy = new LeastConnections();
        inFlight(heavy, 2);
        inFlight(light, 1);
        assertEquals("heavy heavy heavy heavy", picks(strategy, candidates, 4), "2/3 < 1/1");
        inFlight(heavy, 2); // now 4 in flight: 4/3 > 1/1
        assertEquals("light light", picks(strategy, candidates, 2));
    }

    @Test
    void leastConnectionsSpreadsIdleBackendsByWeight() {
        List<Backend> candidates = List.of(backend("a", 3), backend("b", 1));
        assertEquals(Map.of("a", 300L, "b", 100L), count(new LeastConnections(), candidates, 400));
    }

    @Test
    void emptyCandidatesGiveNothing() {
        assertEquals(java.util.Optional.empty(), new RoundRobin().select(List.of()));
        assertEquals(java.util.Optional.empty(), new LeastConnections().select(List.of()));
    }

    private static void inFlight(Backend backend, int more) {
        for (int i = 0; i < more; i++) {
            backend.acquire();
        }
    }

    /** Weights change through the pool in the balancer; a pool of one backend does it here. */
    private static void setWeight(Backend backend, int weight) {
        new dev.lb.balancer.backend.BackendPool(List.of(backend),
                new dev.lb.balancer.backend.HealthPolicy(1, 1), java.time.Clock.systemUTC()).weight(backend, weight, "test");
    }
}
