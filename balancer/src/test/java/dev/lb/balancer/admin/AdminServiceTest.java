package dev.lb.balancer.admin;

import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthEvent;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.SnapshotReason;
import dev.lb.admin.v1.StatsUpdate;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.util.Timers;
import dev.lb.testing.Await;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AdminService over in-process gRPC against a real balancer and real backends. */
class AdminServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FAST_CHECKS = "\"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS
            + ", \"healthyThreshold\": 1}";
    /** Only the start-up check runs during a test, so the test alone decides later health changes. */
    private static final String ONE_CHECK = "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS
            + ", \"healthyThreshold\": 1}";

    @Test
    void statusReportsTheBalancerAndEveryBackendWithLiveCounters() throws Exception {
        String dead = TestBalancer.deadUrl();
        try (TestBalancer f = TestBalancer.builder().backends(2).backendUrls(List.of(dead)).json("\"algorithm\": \"round-robin\", " + FAST_CHECKS).start()) {
            Await.until("every backend checked once", WAIT,
                    () -> f.balancer().pool().all().stream().allMatch(b -> b.lastCheck() != null));
            for (int i = 0; i < 6; i++) {
                assertEquals(200, f.status("/hello"));
            }

            GetStatusResponse status = f.blocking().getStatus(GetStatusRequest.getDefaultInstance());

            var balancer = status.getBalancer();
            assertEquals("127.0.0.1:" + f.balancer().port(), balancer.getListenAddress());
            assertEquals("round-robin", balancer.getAlgorithm());
            assertEquals(3, balancer.getBackendsTotal());
            assertEquals(2, balancer.getBackendsUp());
            assertEquals(Duration.ofSeconds(1), ProtoValues.duration(balancer.getHealthCheckInterval()));
            assertTrue(balancer.getTotalRequests() >= 6, "total requests " + balancer.getTotalRequests());
            assertEquals(status.getBackendsList().stream().mapToLong(BackendStatus::getTotalRequests).sum(),
                    balancer.getTotalRequests());
            assertFalse(balancer.getVersion().isEmpty());
            assertTrue(balancer.getStartedAt().getSeconds() > 0);

            assertEquals(3, status.getBackendsCount());
            BackendStatus first = status.getBackends(0);
            assertEquals(TestBalancer.url(f.server(0)), first.getUrl());
            assertEquals(HealthState.HEALTH_STATE_UP, first.getHealth());
            assertEquals(1, first.getWeight());
            assertTrue(first.getTotalRequests() >= 3, "round-robin gave b1 " + first.getTotalRequests());
            assertTrue(first.getLastCheck().getPassed());
            assertEquals("HTTP 200", first.getLastCheck().getDetail());
            assertTrue(first.getConsecutiveSuccesses() >= 1);
            assertEquals(0, first.getConsecutiveFailures());

            BackendStatus down = status.getBackends(2);
            assertEquals(dead, down.getUrl());
            assertEquals(HealthState.HEALTH_STATE_DOWN, down.getHealth());
            assertFalse(down.getLastCheck().getPassed());
            assertTrue(down.getLastError().contains("refused"), down.getLastError());
            assertTrue(down.getConsecutiveFailures() >= 1);
            HealthEvent change = down.getHistory(0);
            assertEquals(HealthState.HEALTH_STATE_UP, change.getOldState());
            assertEquals(HealthState.HEALTH_STATE_DOWN, change.getNewState());
        }
    }

    @Test
    void statusOfOneBackendShowsItsRecentStateChanges() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(2).json(FAST_CHECKS).start()) {
            String url = TestBalancer.url(f.server(1));
            Backend backend = f.backend(url);
            f.server(1).setHealthy(false);
            Await.until("backend DOWN", WAIT, () -> backend.health() == dev.lb.balancer.backend.HealthState.DOWN);
            f.server(1).setHealthy(true);
            Await.until("backend UP again", WAIT, () -> backend.health() == dev.lb.balancer.backend.HealthState.UP);

            GetStatusResponse status = f.blocking().getStatus(GetStatusRequest.newBuilder().setBackend(url).build());

            assertEquals(1, status.getBackendsCount());
            BackendStatus one = status.getBackends(0);
            assertEquals(url, one.getUrl());
            List<HealthEvent> history = one.getHistoryList();
            HealthEvent wentDown = history.get(history.size() - 2);
            HealthEvent cameBack = history.get(history.size() - 1);
            assertEquals(HealthState.HEALTH_STATE_DOWN, wentDown.getNewState());
            assertEquals("HTTP 503", wentDown.getReason());
            assertEquals(HealthState.HEALTH_STATE_UP, cameBack.getNewState());
            assertTrue(cameBack.getTime().getSeconds() >= wentDown.getTime().getSeconds());
            assertEquals(2, status.getBalancer().getBackendsTotal(), "balancer totals still cover every backend");
        }
    }

    @Test
    void statusOfAnUnknownBackendIsNotFound() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> f.blocking()
                    .getStatus(GetStatusRequest.newBuilder().setBackend("http://nowhere:1").build()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("http://nowhere:1"));
        }
    }

    @Test
    void watchStartsWithSnapshotThenReportsABackendThatDies() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(2).json(FAST_CHECKS).start()) {
            String victim = TestBalancer.url(f.server(1));
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.getDefaultInstance());
            Await.until("initial snapshot", WAIT, () -> !watch.received.isEmpty());
            WatchEvent first = watch.received.get(0);
            assertTrue(first.hasSnapshot());
            assertEquals(SnapshotReason.SNAPSHOT_REASON_INITIAL, first.getSnapshot().getReason());
            assertEquals(2, first.getSnapshot().getStatus().getBackendsCount());

            f.server(1).close();

            HealthEvent down = watch.awaitHealth("DOWN event for " + victim, WAIT,
                    e -> e.getUrl().equals(victim) && e.getNewState() == HealthState.HEALTH_STATE_DOWN);
            assertEquals(HealthState.HEALTH_STATE_UP, down.getOldState());
            assertFalse(down.getReason().isEmpty());
            assertTrue(down.getTime().getSeconds() > 0);
        }
    }

    @Test
    void everyWatcherReceivesEveryHealthEvent() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(FAST_CHECKS).start()) {
            String url = TestBalancer.url(f.server(0));
            List<WatchClient> watchers = List.of(
                    WatchClient.open(f.async(), WatchRequest.getDefaultInstance()),
                    WatchClient.open(f.async(), WatchRequest.getDefaultInstance()),
                    WatchClient.open(f.async(), WatchRequest.getDefaultInstance()));
            Await.until("three watchers open", WAIT, () -> f.balancer().admin().hub().watcherCount() == 3);

            f.server(0).setHealthy(false);

            for (WatchClient w : watchers) {
                HealthEvent e = w.awaitHealth("DOWN on every watcher", WAIT,
                        h -> h.getUrl().equals(url) && h.getNewState() == HealthState.HEALTH_STATE_DOWN);
                assertEquals("HTTP 503", e.getReason());
            }
        }
    }

    @Test
    void statsArriveAtTheIntervalTheClientAsksFor() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, f.status("/x"));
            }
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.newBuilder()
                    .setStatsInterval(ProtoValues.duration(Duration.ofMillis(200))).build());

            Await.until("three stats updates", WAIT, () -> watch.count(WatchEvent::hasStats) >= 3);

            StatsUpdate stats = watch.received.stream().filter(WatchEvent::hasStats).reduce((a, b) -> b)
                    .orElseThrow().getStats();
            assertEquals(3, stats.getTotalRequests());
            assertEquals(1, stats.getBackendsTotal());
            assertEquals(1, stats.getBackendsUp());
            assertEquals(3, stats.getBackends(0).getTotalRequests());
            assertEquals(0, stats.getInFlight());
        }
    }

    @Test
    void aStatsIntervalOutOfRangeIsRejected() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.newBuilder()
                    .setStatsInterval(ProtoValues.duration(Duration.ofMillis(5))).build());
            Await.until("an error", WAIT, () -> watch.error.get() != null);
            assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(watch.error.get()).getCode());
            assertEquals(0, f.balancer().admin().hub().watcherCount());
        }
    }

    @Test
    void aStalledWatcherDelaysNeitherProxiedRequestsNorOtherWatchers() throws Exception {
        String deadUrl = TestBalancer.deadUrl();
        try (TestBalancer f = TestBalancer.builder().backends(1).backendUrls(List.of(deadUrl)).json("\"algorithm\": \"round-robin\", " + ONE_CHECK).start()) {
            BackendPool pool = f.balancer().pool();
            Backend dead = f.backend(deadUrl);
            Await.until("dead backend DOWN after its first check", WAIT,
                    () -> dead.health() == dev.lb.balancer.backend.HealthState.DOWN);
            long baseline = median(timeRequests(f, 200));

            WatchRequest fastStats = WatchRequest.newBuilder().setStatsInterval(ProtoValues.duration(Duration.ofMillis(100))).build();
            WatchClient stalled = WatchClient.stalled(f.async(), fastStats, 0);
            WatchClient reader = WatchClient.open(f.async(), fastStats);
            Await.until("both watchers open", WAIT, () -> f.balancer().admin().hub().watcherCount() == 2);
            LongAdder published = new LongAdder();
            pool.addListener(e -> published.increment());

            // Keep putting the dead backend back into rotation: requests then find it refusing and take
            // it out again, publishing the health event on the request thread itself.
            AtomicBoolean stop = new AtomicBoolean();
            Thread revive = new Thread(() -> {
                for (int n = 0; !stop.get() && n < 50_000; ) {
                    if (dead.health() == dev.lb.balancer.backend.HealthState.DOWN) {
                        pool.reportCheck(dead, new CheckResult(true, "revived by test", Instant.now(), Duration.ZERO));
                        n++;
                    } else {
                        LockSupport.parkNanos(100_000);
                    }
                }
            }, "test-revive");
            revive.start();
            long[] during;
            try {
                during = timeRequests(f, 400);
            } finally {
                stop.set(true);
                revive.join();
            }
            long withStalledWatcher = median(during);
            System.out.printf("proxy latency median: %.2f ms without watchers, %.2f ms with a stalled watcher"
                            + " and %d health events; max %.2f ms%n",
                    baseline / 1e6, withStalledWatcher / 1e6, published.sum(), during[during.length - 1] / 1e6);

            assertTrue(published.sum() >= 20, "requests should have taken the revived backend out repeatedly, got "
                    + published.sum() + " events");
            assertTrue(withStalledWatcher < baseline + Duration.ofMillis(250).toNanos(),
                    "median latency " + withStalledWatcher / 1e6 + " ms vs " + baseline / 1e6 + " ms without watchers");
            assertTrue(reader.healthEvents().stream().anyMatch(e -> e.getReason().endsWith("(seen by a request)")),
                    "the reading watcher got the events published by request threads");
            assertTrue(stalled.received.isEmpty());
            assertEquals(2, f.balancer().admin().hub().watcherCount());

            // The reading watcher catches up, then sees the next change as an event of its own.
            Await.until("reading watcher caught up", WAIT, () -> lastKnownState(reader, deadUrl) == ProtoValues.state(dead.health()));
            boolean wasDown = dead.health() == dev.lb.balancer.backend.HealthState.DOWN;
            if (wasDown) {
                pool.reportCheck(dead, new CheckResult(true, "final", Instant.now(), Duration.ZERO));
            } else {
                pool.reportUnreachable(dead, "final");
            }
            reader.awaitHealth("the change after the storm", WAIT, e -> e.getReason().startsWith("final"));

            // The stalled watcher, once it reads, starts from a snapshot of the current state.
            stalled.read(1);
            Await.until("stalled watcher's first message", WAIT, () -> !stalled.received.isEmpty());
            WatchEvent first = stalled.received.get(0);
            assertTrue(first.hasSnapshot(), "first message " + first);
            assertEquals(ProtoValues.state(dead.health()), first.getSnapshot().getStatus().getBackends(1).getHealth());
        }
    }

    @Test
    void aWatcherThatFallsBehindGetsAFreshSnapshotInsteadOfAGap() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            BackendPool pool = f.balancer().pool();
            Backend backend = pool.all().get(0);
            StatusReader reader = new StatusReader(pool,
                    new BalancerFacts("127.0.0.1:" + f.balancer().port(), "round-robin", Instant.now(), Duration.ofSeconds(1), "test"),
                    java.time.Clock.systemUTC());
            Timers timers = new Timers();
            WatchHub hub = new WatchHub(reader, 4, timers);
            pool.addListener(hub);
            try {
                WatchClient slow = WatchClient.stalled(f.async(new AdminService(reader, hub, f.balancer().control(), Runnable::run, java.time.Clock.systemUTC())),
                        WatchRequest.newBuilder().setStatsInterval(ProtoValues.duration(Duration.ofHours(1))).build(), 1);
                Await.until("initial snapshot", WAIT, () -> slow.received.size() == 1);

                for (int i = 0; i < 10; i++) {
                    pool.reportUnreachable(backend, "flap " + i);
                    pool.reportCheck(backend, new CheckResult(true, "flap " + i + " over", Instant.now(), Duration.ZERO));
                }
                pool.reportUnreachable(backend, "final");
                slow.read(100);

                Await.until("resync snapshot", WAIT, () -> slow.received.size() >= 2);
                WatchEvent second = slow.received.get(1);
                assertTrue(second.hasSnapshot(), "after an overflow the next message is a snapshot, got " + second);
                assertEquals(SnapshotReason.SNAPSHOT_REASON_RESYNC, second.getSnapshot().getReason());
                BackendStatus now = second.getSnapshot().getStatus().getBackends(0);
                assertEquals(HealthState.HEALTH_STATE_DOWN, now.getHealth(), "the snapshot shows the net effect");
                assertEquals("final (seen by a request)", now.getHistory(now.getHistoryCount() - 1).getReason());
                assertEquals(0, slow.healthEvents().size(), "the overflowed events were replaced, not half-sent");
            } finally {
                pool.removeListener(hub);
                hub.close();
                timers.close();
            }
        }
    }

    @Test
    void aCancelledWatchIsReleased() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(FAST_CHECKS).start()) {
            WatchHub hub = f.balancer().admin().hub();
            WatchClient one = WatchClient.open(f.async(), WatchRequest.getDefaultInstance());
            WatchClient stalled = WatchClient.stalled(f.async(), WatchRequest.getDefaultInstance(), 0);
            Await.until("two watchers", WAIT, () -> hub.watcherCount() == 2);

            one.cancel();
            Await.until("one watcher left", WAIT, () -> hub.watcherCount() == 1);
            stalled.cancel();

            Await.until("no watcher left", WAIT, () -> hub.watcherCount() == 0);
            f.server(0).setHealthy(false); // events after release reach nobody and break nothing
            Await.until("backend DOWN", WAIT, () -> f.balancer().pool().available().isEmpty());
            assertEquals(0, hub.watcherCount());
        }
    }

    @Test
    void stoppingTheBalancerEndsOpenWatchesNormally() throws Exception {
        TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start();
        try {
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.getDefaultInstance());
            Await.until("watch open", WAIT, () -> !watch.received.isEmpty());
            WatchHub hub = f.balancer().admin().hub();

            f.balancer().close();

            Await.until("stream completed", WAIT, () -> watch.completed);
            assertEquals(0, hub.watcherCount());
        } finally {
            f.close();
        }
    }

    private static HealthState lastKnownState(WatchClient client, String url) {
        HealthState state = HealthState.HEALTH_STATE_UNSPECIFIED;
        for (WatchEvent e : client.received) {
            if (e.hasSnapshot()) {
                for (BackendStatus b : e.getSnapshot().getStatus().getBackendsList()) {
                    if (b.getUrl().equals(url)) {
                        state = b.getHealth();
                    }
                }
            } else if (e.hasHealth() && e.getHealth().getUrl().equals(url)) {
                state = e.getHealth().getNewState();
            }
        }
        return state;
    }

    private static long[] timeRequests(TestBalancer f, int count) throws Exception {
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            int status = f.status("/r" + i);
            nanos[i] = System.nanoTime() - start;
            assertEquals(200, status, "request " + i);
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static long median(long[] sorted) {
        return sorted[sorted.length / 2];
    }
}
