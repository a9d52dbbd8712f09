package dev.lb.balancer.select;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.PoolSnapshot;
import dev.lb.balancer.config.QueueConfig;
import dev.lb.balancer.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selectors per pool snapshot: built once for each, reused by every pick on it, and alike across threads. */
class SelectorTest {
    private static final int THREADS = 8;
    private static final int PICKS_PER_THREAD = 1000;
    private final ExecutorService requests = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopRequestThreads() throws InterruptedException {
        requests.shutdownNow();
        assertTrue(requests.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void picksOnOneSnapshotShareOneSelectorAndANewSnapshotGetsANewOne() throws Exception {
        // given a queue over a pool of two
        Backend a = backend("a", 1);
        Backend b = backend("b", 1);
        BackendPool pool = pool(a, b);
        Counting strategy = new Counting(new RoundRobin());
        RequestQueue queue = new RequestQueue(pool, strategy, QueueConfig.DEFAULT);

        // when requests come on the same snapshot
        Selector first = queue.selector();
        count(queue, 100);

        // then they were all picked by the one selector built for it
        assertEquals(1, strategy.built.get());
        assertSame(first, queue.selector());
        assertSame(pool.snapshot(), first.snapshot());

        // when the pool publishes a change, then the next pick builds the next snapshot's selector, once
        pool.adminState(b, AdminState.DRAINING, "test");
        assertEquals(Map.of("a", 100L), count(queue, 100));
        Selector second = queue.selector();
        assertNotSame(first, second);
        assertSame(pool.snapshot(), second.snapshot());
        assertEquals(2, strategy.built.get());
    }

    @Test
    void aWeightChangeThroughThePoolTakesEffectFromTheNextSnapshot() throws Exception {
        Backend a = backend("a", 1);
        BackendPool pool = pool(a, backend("b", 1));
        RequestQueue queue = new RequestQueue(pool, new RoundRobin(), QueueConfig.DEFAULT);
        assertEquals(Map.of("a", 50L, "b", 50L), count(queue, 100));
        Selector before = queue.selector();

        pool.weight(a, 3, "test");

        assertEquals(Map.of("a", 300L, "b", 100L), count(queue, 400));
        assertTrue(queue.selector().snapshot().version() > before.snapshot().version());
        // The old selector is immutable: it still picks by the weights of its own snapshot.
        Map<String, Long> old = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            old.merge(before.pick(Placement.NONE).orElseThrow().name(), 1L, Long::sum);
        }
        assertEquals(Map.of("a", 50L, "b", 50L), old);
    }

    @Test
    void aSelectorFollowsNginxSmoothOrderFromItsSnapshot() {
        BackendPool pool = pool(backend("a", 5), backend("b", 1), backend("c", 1));
        Selector selector = new RoundRobin().selectorFor(pool.snapshot());

        List<String> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            order.add(selector.pick(Placement.NONE).orElseThrow().name());
        }

        assertEquals("a a b a c a a", String.join(" ", order));
    }

    @Test
    void concurrentPicksOnOneSelectorKeepTheWeightedShares() throws Exception {
        // given weights 3 and 1 and the selector for the pool's snapshot already built
        BackendPool pool = pool(backend("a", 3), backend("b", 1));
        Counting strategy = new Counting(new RoundRobin());
        RequestQueue queue = new RequestQueue(pool, strategy, QueueConfig.DEFAULT);
        queue.selector();

        // when 8 request threads take and free 1000 slots each, all at once
        Map<String, LongAdder> picks = new ConcurrentHashMap<>();
        onEveryThreadAtOnce(() -> {
            Backend chosen = queue.acquire(List.of()).orElseThrow();
            picks.computeIfAbsent(chosen.name(), k -> new LongAdder()).increment();
            queue.release(chosen);
        });

        // then every turn of the shared cycle was taken once: exactly three to one, from one selector
        assertEquals(6000, picks.get("a").sum());
        assertEquals(2000, picks.get("b").sum());
        assertEquals(1, strategy.built.get(), "no pick rebuilt the selector");
    }

    @Test
    void concurrentPicksOfOneKeyLandOnItsBackend() throws Exception {
        BackendPool pool = pool(backend("a", 1), backend("b", 1), backend("c", 1), backend("d", 1));
        Selector selector = new ConsistentHash(null, 0).selectorFor(pool.snapshot());
        Backend home = selector.pick(Placement.ofKey("user-7")).orElseThrow();

        Map<Backend, LongAdder> picks = new ConcurrentHashMap<>();
        onEveryThreadAtOnce(() ->
                picks.computeIfAbsent(selector.pick(Placement.ofKey("user-7")).orElseThrow(), k -> new LongAdder()).increment());

        assertEquals(1, picks.size(), "every pick of the key went to " + home + ": " + picks);
        assertEquals(THREADS * PICKS_PER_THREAD, picks.get(home).sum());
    }

    @Test
    void aBackendAtItsCapLeavesTheOthersTheirTurnsUntilItFrees() throws Exception {
        // given weights 2, 1, 1 and the heavy one at its cap of one
        Backend a = new Backend(new ServerConfig(URI.create("http://a:80"), "a", 2, true, 1));
        BackendPool pool = pool(a, backend("b", 1), backend("c", 1));
        Counting strategy = new Counting(new RoundRobin());
        RequestQueue queue = new RequestQueue(pool, strategy, QueueConfig.DEFAULT);
        assertTrue(a.tryAcquire());

        // then the others share its turns evenly, picked from the same snapshot's selector
        assertEquals(Map.of("b", 50L, "c", 50L), count(queue, 100));

        // and once it frees, the full cycle applies again
        queue.release(a);
        assertEquals(Map.of("a", 200L, "b", 100L, "c", 100L), count(queue, 400));
        assertEquals(1, strategy.built.get());
    }

    @Test
    void keysStayOnTheirBackendsAcrossSnapshotsOfTheSameRotation() {
        // given five backends in rotation and one DOWN
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            backends.add(backend("up-" + i, 1));
        }
        Backend down = new Backend(new ServerConfig(URI.create("http://down:80"), "down", 1, false));
        backends.add(down);
        BackendPool pool = new BackendPool(backends, new HealthPolicy(1, 1), Clock.systemUTC());
        ConsistentHash hash = new ConsistentHash(null, 0);
        Selector before = hash.selectorFor(pool.snapshot());

        // when a change that leaves the rotation as it was publishes a new snapshot
        pool.adminState(down, AdminState.MAINTENANCE, "test");
        Selector after = hash.selectorFor(pool.snapshot());

        // then its selector places every key where the previous one did
        assertNotSame(before.snapshot(), after.snapshot());
        for (int i = 0; i < 2000; i++) {
            Placement key = Placement.ofKey("client-" + i);
            assertSame(before.pick(key).orElseThrow(), after.pick(key).orElseThrow(), "client-" + i);
        }
    }

    @Test
    void anEmptyRotationGivesNoPick() {
        BackendPool pool = pool(new Backend(new ServerConfig(URI.create("http://down:80"), "down", 1, false)));
        for (SelectionStrategy strategy : List.of(new RoundRobin(), new LeastConnections(), new ConsistentHash(null, 1.25))) {
            Selector selector = strategy.selectorFor(pool.snapshot());
            assertEquals(Optional.empty(), selector.pick(Placement.NONE), strategy.name());
            assertEquals(Optional.empty(), selector.pick(Placement.ofKey("k")), strategy.name());
        }
    }

    private static Backend backend(String name, int weight) {
        return new Backend(new ServerConfig(URI.create("http://" + name + ":80"), name, weight, true));
    }

    private static BackendPool pool(Backend... backends) {
        return new BackendPool(List.of(backends), new HealthPolicy(1, 1), Clock.systemUTC());
    }

    /** Where {@code n} requests went, each finished before the next. */
    private static Map<String, Long> count(RequestQueue queue, int n) throws RequestQueue.Refused {
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Backend chosen = queue.acquire(List.of()).orElseThrow();
            counts.merge(chosen.name(), 1L, Long::sum);
            queue.release(chosen);
        }
        return counts;
    }

    /** A strategy that counts the selectors it builds. */
    private static final class Counting implements SelectionStrategy {
        final AtomicInteger built = new AtomicInteger();
        private final SelectionStrategy strategy;

        Counting(SelectionStrategy strategy) {
            this.strategy = strategy;
        }

        @Override
        public Selector selectorFor(PoolSnapshot snapshot) {
            built.incrementAndGet();
            return strategy.selectorFor(snapshot);
        }

        @Override
        public Optional<Backend> select(List<Backend> candidates, Placement placement) {
            return strategy.select(candidates, placement);
        }

        @Override
        public String name() {
            return strategy.name();
        }
    }

    /** One pick of a concurrent test, run {@value #PICKS_PER_THREAD} times on each request thread. */
    private interface Pick {
        void run() throws Exception;
    }

    /** Runs {@code pick} {@value #PICKS_PER_THREAD} times on each of the request threads, all released at once, and waits for them. */
    private void onEveryThreadAtOnce(Pick pick) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            done.add(requests.submit(() -> {
                start.await();
                for (int i = 0; i < PICKS_PER_THREAD; i++) {
                    pick.run();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
    }
}
