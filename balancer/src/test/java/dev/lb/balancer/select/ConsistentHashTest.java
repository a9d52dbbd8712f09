package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.lb.balancer.testing.Backends.backend;
import static dev.lb.balancer.testing.Backends.busy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consistent hashing alone: backends without servers, placements counted over many keys. */
class ConsistentHashTest {
    private static final int KEYS = 20_000;

    @Test
    void theSameKeyLandsOnTheSameBackendEveryTime() {
        List<Backend> backends = backends(5);
        ConsistentHash hash = new ConsistentHash(() -> backends, 0);

        Backend first = pick(hash, backends, "user-42");

        for (int i = 0; i < 100; i++) {
            assertSame(first, pick(hash, backends, "user-42"));
        }
    }

    @Test
    void addingOneOfNBackendsMovesAboutOneNthOfTheKeysAllToTheNewOne() {
        // given 9 backends and where 20000 keys land on them
        List<Backend> nine = backends(9);
        Map<String, Backend> before = placeAll(new ConsistentHash(() -> nine, 0), nine);

        // when a tenth joins
        List<Backend> ten = new ArrayList<>(nine);
        ten.add(backend(10_010));
        List<Backend> grown = List.copyOf(ten);
        Map<String, Backend> after = placeAll(new ConsistentHash(() -> grown, 0), grown);

        // then about 1/10 of the keys moved, and every one of them to the newcomer
        int moved = 0;
        for (var e : before.entrySet()) {
            Backend now = after.get(e.getKey());
            if (now != e.getValue()) {
                moved++;
                assertSame(grown.get(9), now, "a key moved between two backends that were there before");
            }
        }
        double share = (double) moved / KEYS;
        assertTrue(share > 0.05 && share < 0.15, "moved " + share + " of the keys; 1/N is 0.10");
    }

    @Test
    void removingOneOfNBackendsMovesOnlyItsOwnKeys() {
        List<Backend> ten = backends(10);
        Map<String, Backend> before = placeAll(new ConsistentHash(() -> ten, 0), ten);
        Backend leaving = ten.get(3);
        List<Backend> nine = ten.stream().filter(b -> b != leaving).toList();

        Map<String, Backend> after = placeAll(new ConsistentHash(() -> nine, 0), nine);

        int moved = 0;
        for (var e : before.entrySet()) {
            if (after.get(e.getKey()) != e.getValue()) {
                moved++;
                assertSame(leaving, e.getValue(), "a key of a backend that stayed moved");
            }
        }
        double share = (double) moved / KEYS;
        assertTrue(share > 0.05 && share < 0.15, "moved " + share + " of the keys; 1/N is 0.10");
    }

    @Test
    void keysSpreadByWeight() {
        List<Backend> backends = List.of(backend(1, 1), backend(2, 3));

        Map<String, Backend> placed = placeAll(new ConsistentHash(() -> backends, 0), backends);

        long heavy = placed.values().stream().filter(b -> b == backends.get(1)).count();
        double share = (double) heavy / KEYS;
        assertTrue(share > 0.68 && share < 0.82, "weight 3 of 4 took " + share + " of the keys");
    }

    @Test
    void aBackendAboveTheBoundPassesAHotKeyOnToTheNextOnTheRing() {
        // given the hot key's own backend with 10 requests in flight and the others idle
        List<Backend> backends = backends(4);
        ConsistentHash hash = new ConsistentHash(() -> backends, 1.25);
        Backend home = pick(hash, backends, "hot");
        busy(home, 10);

        // when the hot key comes again
        Backend next = pick(hash, backends, "hot");

        // then it goes to another backend, always the same one (the next on the ring)
        assertNotSame(home, next);
        assertSame(next, pick(hash, backends, "hot"));
        assertEquals(2, hash.totalPassedOn());
    }

    @Test
    void aHotKeySpreadsPastTheFactorInsteadOfPilingOnOneBackend() {
        // given 4 backends and one key that every request carries, none of them finishing
        List<Backend> backends = backends(4);
        ConsistentHash hash = new ConsistentHash(() -> backends, 1.25);

        for (int i = 0; i < 400; i++) {
            pick(hash, backends, "hot").acquire();
        }

        // then no backend holds more than 1.25 x the average (100), rounded up
        for (Backend b : backends) {
            assertTrue(b.inFlight() <= 126, b + " holds " + b.inFlight() + " of 400");
        }
    }

    @Test
    void withoutTheBoundAHotKeyStaysOnItsBackend() {
        List<Backend> backends = backends(4);
        ConsistentHash hash = new ConsistentHash(() -> backends, 0);
        Backend home = pick(hash, backends, "hot");
        busy(home, 10);

        assertSame(home, pick(hash, backends, "hot"));
    }

    @Test
    void aRequestWithoutAKeyGoesByLeastConnections() {
        List<Backend> backends = List.of(busy(backend(1), 3), backend(2), busy(backend(3), 1));
        ConsistentHash hash = new ConsistentHash(() -> backends, 1.25);

        assertSame(backends.get(1), hash.select(backends, Placement.NONE).orElseThrow());
    }

    @Test
    void aCandidateMissingFromThePickIsSkippedOnTheWalk() {
        // given the key's own backend excluded (already tried, or at its cap)
        List<Backend> backends = backends(4);
        ConsistentHash hash = new ConsistentHash(() -> backends, 0);
        Backend home = pick(hash, backends, "k");
        List<Backend> others = backends.stream().filter(b -> b != home).toList();

        Backend chosen = hash.select(others, Placement.ofKey("k")).orElseThrow();

        assertNotSame(home, chosen);
        assertSame(chosen, hash.select(others, Placement.ofKey("k")).orElseThrow(), "the same next one each time");
    }

    private static List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(backend(10_000 + i));
        }
        return List.copyOf(list);
    }

    private static Backend pick(ConsistentHash hash, List<Backend> candidates, String key) {
        return hash.select(candidates, Placement.ofKey(key)).orElseThrow();
    }

    private static Map<String, Backend> placeAll(ConsistentHash hash, List<Backend> candidates) {
        Map<String, Backend> placed = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "client-" + i;
            placed.put(key, pick(hash, candidates, key));
        }
        return placed;
    }
}
