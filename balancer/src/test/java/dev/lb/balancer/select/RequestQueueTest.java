package dev.lb.balancer.select;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.config.QueueConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue alone: backends without servers, request threads played by a small pool. */
class RequestQueueTest {
    private static final Duration LONG_WAIT = Duration.ofSeconds(60);
    private final ExecutorService requests = Executors.newFixedThreadPool(8);

    @AfterEach
    void stopRequestThreads() throws InterruptedException {
        requests.shutdownNow();
        assertTrue(requests.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void aRequestTakesASlotOnlyOnABackendBelowItsCap() throws Exception {
        Backend capped = capped(1, 1);
        Backend open = backend(2);
        RequestQueue queue = queue(List.of(capped, open), new QueueConfig(10, LONG_WAIT), new RoundRobin());

        List<Backend> chosen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            chosen.add(queue.acquire(List.of()).orElseThrow());
        }

        assertEquals(1, chosen.stream().filter(b -> b == capped).count(), "the capped backend took one request");
        assertEquals(1, capped.inFlight());
        assertEquals(4, open.inFlight());
        assertEquals(0, queue.length(), "nobody had to wait while a backend had room");
    }

    @Test
    void twoRequestsNeverBothTakeTheLastSlot() throws Exception {
        Backend b = capped(1, 1);
        int racers = 8;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger won = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            done.add(requests.submit(() -> {
                start.await();
                if (b.tryAcquire()) {
                    won.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(10, TimeUnit.SECONDS);
        }

        assertEquals(1, won.get());
        assertEquals(1, b.inFlight());
        assertEquals(1, b.totalRequests(), "a refused try counts no request");
    }

    @Test
    void waitersGetFreedSlotsInArrivalOrderAndNewcomersQueueBehindThem() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, LONG_WAIT), new LeastConnections());
        Backend first = queue.acquire(List.of()).orElseThrow();
        List<String> served = new CopyOnWriteArrayList<>();
        List<Future<Backend>> waiting = new ArrayList<>();
        for (String name : List.of("w1", "w2", "w3")) {
            waiting.add(requests.submit(() -> {
                Backend got = queue.acquire(List.of()).orElseThrow();
                served.add(name);
                return got;
            }));
            int position = waiting.size();
            Await.until(name + " in the queue", () -> queue.length() == position);
        }

        queue.release(first);
        Await.until("w1 served", () -> served.size() == 1);
        // A free slot would go to a newcomer only if nobody waited; here w2 and w3 do.
        assertEquals(List.of("w1"), served);
        queue.release(b);
        Await.until("w2 served", () -> served.size() == 2);
        queue.release(b);
        Await.until("w3 served", () -> served.size() == 3);

        assertEquals(List.of("w1", "w2", "w3"), served);
        assertEquals(1, b.inFlight(), "each hand-over moved the one slot, never added one");
        queue.release(b);
        assertEquals(0, b.inFlight());
        assertEquals(3, queue.totalQueued());
    }

    @Test
    void aNewcomerWaitsBehindAnOlderWaiterEvenWhenASlotIsFreeForAMoment() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();
        Future<Backend> older = requests.submit(() -> queue.acquire(List.of()).orElseThrow());
        Await.until("the older request in the queue", () -> queue.length() == 1);
        Future<Backend> newer = requests.submit(() -> queue.acquire(List.of()).orElseThrow());
        Await.until("the newer request in the queue", () -> queue.length() == 2);

        queue.release(held);

        assertSame(b, older.get(10, TimeUnit.SECONDS));
        assertFalse(newer.isDone(), "the newer request still waits");
        assertEquals(1, queue.length());
        queue.release(b);
        assertSame(b, newer.get(10, TimeUnit.SECONDS));
        queue.release(b);
        assertEquals(0, b.inFlight());
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(1, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();
        Future<Backend> waiter = requests.submit(() -> queue.acquire(List.of()).orElseThrow());
        Await.until("one request in the queue", () -> queue.length() == 1);

        RequestQueue.Refused refused = assertThrows(RequestQueue.Refused.class, () -> queue.acquire(List.of()));

        assertEquals(RequestQueue.Refused.Reason.FULL, refused.reason());
        assertTrue(refused.getMessage().contains("queue is full (1 waiting)"), refused.getMessage());
        assertEquals(1, queue.totalRejected());
        assertEquals(1, queue.length(), "the refused request never joined");
        queue.release(held);
        queue.release(waiter.get(10, TimeUnit.SECONDS));
        assertEquals(0, b.inFlight());
    }

    @Test
    void aQueueOfSizeZeroRefusesEveryRequestThatWouldWait() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(0, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();

        assertThrows(RequestQueue.Refused.class, () -> queue.acquire(List.of()));

        queue.release(held);
        assertSame(b, queue.acquire(List.of()).orElseThrow(), "with room again, no queue is needed");
        queue.release(b);
    }

    @Test
    void aWaitThatReachesTheTimeoutIsRefusedAndLeavesNothingBehind() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, Duration.ofMillis(100)), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();

        RequestQueue.Refused refused = assertThrows(RequestQueue.Refused.class, () -> queue.acquire(List.of()));

        assertEquals(RequestQueue.Refused.Reason.TIMED_OUT, refused.reason());
        assertTrue(refused.getMessage().contains("100 ms"), refused.getMessage());
        assertEquals(0, queue.length());
        assertEquals(1, queue.totalTimeouts());
        assertEquals(1, b.inFlight(), "the refused request took no slot");
        queue.release(held);
        assertEquals(0, b.inFlight());
    }

    @Test
    void anInterruptedWaiterLeavesTheQueueWithoutASlot() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();
        Future<Optional<Backend>> waiter = requests.submit(() -> queue.acquire(List.of()));
        Await.until("one request in the queue", () -> queue.length() == 1);

        waiter.cancel(true);

        Await.until("the queue empty", () -> queue.length() == 0);
        queue.release(held);
        assertEquals(0, b.inFlight(), "the freed slot went to nobody");
    }

    @Test
    void raisingACapServesWaitersAtOnce() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of()).orElseThrow();
        Future<Backend> waiter = requests.submit(() -> queue.acquire(List.of()).orElseThrow());
        Await.until("one request in the queue", () -> queue.length() == 1);

        b.maxConnections(2);
        queue.wake();

        assertSame(b, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(2, b.inFlight());
        queue.release(held);
        queue.release(b);
        assertEquals(0, b.inFlight());
    }

    @Test
    void waitersLearnAtOnceWhenNoBackendIsLeftInRotation() throws Exception {
        Backend b = capped(1, 1);
        BackendPool pool = pool(List.of(b));
        RequestQueue queue = new RequestQueue(pool, new LeastConnections(), new QueueConfig(10, LONG_WAIT));
        pool.addListener(queue);
        Backend held = queue.acquire(List.of()).orElseThrow();
        Future<Optional<Backend>> waiter = requests.submit(() -> queue.acquire(List.of()));
        Await.until("one request in the queue", () -> queue.length() == 1);

        pool.adminState(b, AdminState.MAINTENANCE, "test");

        assertEquals(Optional.empty(), waiter.get(10, TimeUnit.SECONDS));
        assertEquals(0, queue.length());
        queue.release(held);
        assertEquals(0, b.inFlight());
    }

    @Test
    void aWaiterIsNeverHandedABackendItExcluded() throws Exception {
        Backend tried = capped(1, 5);
        Backend other = capped(2, 1);
        RequestQueue queue = queue(List.of(tried, other), new QueueConfig(10, LONG_WAIT), new LeastConnections());
        Backend held = queue.acquire(List.of(tried)).orElseThrow();
        assertSame(other, held);
        Future<Backend> retry = requests.submit(() -> queue.acquire(List.of(tried)).orElseThrow());
        Await.until("the retry in the queue", () -> queue.length() == 1);

        assertTrue(tried.tryAcquire(), "the excluded backend has room");
        queue.release(tried);
        assertFalse(retry.isDone(), "room on an excluded backend serves nobody");
        queue.release(held);

        assertSame(other, retry.get(10, TimeUnit.SECONDS));
        queue.release(other);
        assertEquals(0, other.inFlight());
        assertEquals(0, tried.inFlight());
    }

    @Test
    void concurrentRequestsNeverExceedTheCapAndAllSlotsComeBack() throws Exception {
        Backend a = capped(1, 2);
        Backend b = capped(2, 3);
        RequestQueue queue = queue(List.of(a, b), new QueueConfig(1000, LONG_WAIT), new RoundRobin());
        AtomicInteger overCap = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    Backend got = queue.acquire(List.of()).orElseThrow();
                    if (a.inFlight() > 2 || b.inFlight() > 3) {
                        overCap.incrementAndGet();
                    }
                    queue.release(got);
                } catch (RequestQueue.Refused e) {
                    throw new AssertionError(e);
                }
            }, requests));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }

        assertEquals(0, overCap.get());
        assertEquals(0, a.inFlight());
        assertEquals(0, b.inFlight());
        assertEquals(0, queue.length());
        assertEquals(400, a.totalRequests() + b.totalRequests());
    }

    @Test
    void theCandidateListIsKeptAsIsWhenNoBackendIsAtItsCap() {
        List<Backend> candidates = List.of(capped(1, 1), backend(2));
        assertSame(candidates, RequestQueue.belowCap(candidates), "round-robin's schedule is cached on this instance");

        candidates.get(0).acquire();

        assertEquals(List.of(candidates.get(1)), RequestQueue.belowCap(candidates));
    }

    @Test
    void anEmptyRotationIsNoReasonToWait() throws Exception {
        Backend b = capped(1, 1);
        RequestQueue queue = queue(List.of(b), new QueueConfig(10, LONG_WAIT), new LeastConnections());

        assertEquals(Optional.empty(), queue.acquire(List.of(b)));
        assertEquals(0, queue.length());
        assertEquals(0, queue.totalQueued());
    }

    private static Backend capped(int port, int maxConnections) {
        URI url = URI.create("http://127.0.0.1:" + port);
        return new Backend(new ServerConfig(url, url.toString(), 1, true, maxConnections));
    }

    private static BackendPool pool(List<Backend> backends) {
        return new BackendPool(backends, new HealthPolicy(2, 1), Clock.systemUTC());
    }

    private static RequestQueue queue(List<Backend> backends, QueueConfig config, SelectionStrategy strategy) {
        return new RequestQueue(pool(backends), strategy, config);
    }
}
