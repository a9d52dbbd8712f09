package dev.lb.balancer.backend;

import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.util.NamedThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainTest {
    private final Backend backend = new Backend(new ServerConfig(URI.create("http://a:80"), "a", 1, true));
    private final BackendPool pool = new BackendPool(List.of(backend), new HealthPolicy(1, 1), Clock.systemUTC());

    @Test
    void drainCompletesWhenTheLastRequestIsReleased() throws Exception {
        backend.acquire();
        backend.acquire();
        Drain drain = pool.adminState(backend, AdminState.DRAINING, "test").orElseThrow();
        List<Integer> seen = new CopyOnWriteArrayList<>();
        drain.onProgress(seen::add);

        backend.release();
        assertFalse(drain.isDone());
        backend.release();

        assertTrue(drain.isDone());
        assertEquals(List.of(1, 0), seen);
        assertFalse(pool.available().contains(backend));
    }

    @Test
    void leavingDrainingBeforeTheEndCancelsTheDrain() {
        backend.acquire();
        Drain drain = pool.adminState(backend, AdminState.DRAINING, "test").orElseThrow();

        pool.adminState(backend, AdminState.READY, "test");

        ExecutionException e = assertThrows(ExecutionException.class, () -> drain.completion().get());
        assertInstanceOf(DrainAbandonedException.class, e.getCause());
        assertEquals("backend a (http://a:80) was set ready before its drain finished", e.getCause().getMessage());
        backend.release(); // no drain listens any more: nothing happens
        assertEquals(null, backend.drain());
    }

    @Test
    void executorListenerGetsOrderedCountsEndingAtZeroUnderConcurrentReleases() throws Exception {
        int requests = 2_000;
        for (int i = 0; i < requests; i++) {
            backend.acquire();
        }
        Drain drain = pool.adminState(backend, AdminState.DRAINING, "test").orElseThrow();
        ExecutorService delivery = Executors.newFixedThreadPool(2, new NamedThreadFactory("drain-test-delivery", true));
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        CountDownLatch sawZero = new CountDownLatch(1);
        drain.onProgress(count -> {
            delivered.add(count);
            if (count == 0) {
                sawZero.countDown();
            }
        }, delivery);

        List<Thread> releasers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < requests / 8; i++) {
                    backend.release();
                }
            }, "drain-test-release-" + t);
            releasers.add(thread);
            thread.start();
        }
        for (Thread thread : releasers) {
            thread.join();
        }

        assertTrue(sawZero.await(10, TimeUnit.SECONDS), "the final 0 is delivered");
        delivery.shutdown();
        assertTrue(delivery.awaitTermination(10, TimeUnit.SECONDS));
        assertTrue(drain.isDone());
        assertEquals(0, delivered.get(delivered.size() - 1), "0 is the last count delivered: " + delivered);
        for (int i = 1; i < delivered.size(); i++) {
            assertTrue(delivered.get(i) < delivered.get(i - 1), "counts only go down: " + delivered);
        }
    }

    @Test
    void drainEventIsPublishedWhenItCompletes() {
        List<AdminEvent> events = new CopyOnWriteArrayList<>();
        pool.addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
            }

            @Override
            public void onAdminChange(AdminEvent event) {
                events.add(event);
            }
        });
        backend.acquire();
        pool.adminState(backend, AdminState.DRAINING, "ops");
        backend.release();

        assertEquals(List.of(
                new AdminEvent("a", "http://a:80", AdminEvent.Change.STATE, "ready", "draining", "ops", events.get(0).at()),
                new AdminEvent("a", "http://a:80", AdminEvent.Change.DRAINED, "", "0 in flight", "drain", events.get(1).at())),
                events);
    }
}
