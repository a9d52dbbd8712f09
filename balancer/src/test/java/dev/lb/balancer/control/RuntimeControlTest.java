package dev.lb.balancer.control;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.lb.balancer.testing.TestBalancer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RuntimeControlTest {
    @TempDir
    Path dir;
    private TestBalancer live;

    @AfterEach
    void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void drainLetsTheRequestInFlightFinishAndCompletesOnlyAfterIt() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        List<AdminEvent> events = recordAdminEvents();
        CompletableFuture<HttpResponse<String>> slow = live.getAsync("/delay/1500");
        Await.until("the slow request to reach a backend",
                () -> live.balancer().pool().all().stream().anyMatch(b -> b.inFlight() == 1));
        Backend busy = live.balancer().pool().all().stream().filter(b -> b.inFlight() == 1).findFirst().orElseThrow();
        List<Integer> progress = new CopyOnWriteArrayList<>();

        Drain drain = live.control().drain(busy.name());
        drain.onProgress(progress::add);

        assertFalse(drain.isDone(), "a drain with a request in flight is not done");
        assertEquals(AdminState.DRAINING, busy.adminState());
        assertFalse(live.balancer().pool().available().contains(busy), "a draining backend takes no new request");
        Map<String, Integer> during = live.spread(10);
        assertFalse(during.containsKey(busy.name()), "new requests avoid the draining backend: " + during);
        HttpResponse<String> answer = slow.get(30, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), "the request in flight completes normally");
        assertSame(drain, drain.completion().get(10, TimeUnit.SECONDS));
        assertEquals(0, busy.inFlight());
        assertEquals(List.of(0), progress, "progress reports the count going down to 0");
        Await.until("a DRAINED event", () -> events.stream().anyMatch(e -> e.change() == AdminEvent.Change.DRAINED
                && e.backend().equals(busy.name())));
    }

    @Test
    void drainOfAnIdleBackendCompletesAtOnce() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        Drain drain = live.control().drain(url(live.server(0)));
        assertTrue(drain.completion().isDone(), "nothing in flight: the drain is done when it starts");
        assertSame(drain, live.control().drain(url(live.server(0))), "draining again returns the running drain");
    }

    @Test
    void enableAbandonsARunningDrainAndReturnsTheBackendToRotation() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        CompletableFuture<HttpResponse<String>> slow = live.getAsync("/delay/1500");
        Await.until("the slow request to reach a backend",
                () -> live.balancer().pool().all().stream().anyMatch(b -> b.inFlight() == 1));
        Backend busy = live.balancer().pool().all().stream().filter(b -> b.inFlight() == 1).findFirst().orElseThrow();
        Drain drain = live.control().drain(busy.name());

        live.control().enable(busy.name());

        assertTrue(drain.completion().isCompletedExceptionally(), "the abandoned drain fails instead of hanging");
        assertEquals(AdminState.READY, busy.adminState());
        assertTrue(live.balancer().pool().available().contains(busy));
        assertEquals(200, slow.get(30, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void disableTakesTheBackendOutAndPausesChecksAndEnableBringsItBackAfterACheck() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer first = live.server(0);
        Backend backend = live.backend(first);

        live.control().disable(url(first));

        assertEquals(AdminState.MAINTENANCE, backend.adminState());
        assertFalse(live.balancer().healthChecker().watching(backend), "maintenance pauses health checks");
        long checksBefore = backend.totalChecks();
        Map<String, Integer> spread = live.spread(20);
        assertEquals(Map.of(live.server(1).name(), 20), spread, "all traffic goes to the other backend");
        assertEquals(0, first.requests());

        live.control().enable(url(first));

        assertEquals(AdminState.READY, backend.adminState());
        Await.until("a fresh passing check to bring it back", () -> backend.totalChecks() > checksBefore
                && live.balancer().pool().available().contains(backend));
        assertTrue(live.spread(20).containsKey(first.name()), "traffic resumes");
    }

    @Test
    void addedBackendGetsTrafficOnlyAfterAPassingCheckAndRemoveDrainsThenDropsIt() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer extra = live.startAnotherServer();
        extra.setHealthy(false);
        List<AdminEvent> events = recordAdminEvents();

        Backend added = live.control().add(url(extra), 1, "extra");

        assertEquals("extra", added.name());
        assertTrue(live.balancer().pool().contains(added));
        Await.until("the first health check of the new backend", () -> added.totalChecks() > 0);
        assertFalse(live.balancer().pool().available().contains(added), "a failing new backend gets no traffic");
        extra.setHealthy(true);
        Await.until("the new backend to join rotation", () -> live.balancer().pool().available().contains(added));
        assertTrue(live.spread(20).containsKey(extra.name()), "the new backend serves requests");

        Removal removal = live.control().remove("extra");

        assertEquals(added, removal.removed().get(10, TimeUnit.SECONDS));
        assertFalse(live.balancer().pool().contains(added));
        assertFalse(live.balancer().healthChecker().watching(added));
        long served = extra.requests();
        assertEquals(Map.of(live.server(0).name(), 10), live.spread(10));
        assertEquals(served, extra.requests(), "a removed backend gets nothing more");
        assertEquals(List.of(AdminEvent.Change.ADDED, AdminEvent.Change.STATE, AdminEvent.Change.DRAINED,
                AdminEvent.Change.REMOVED), events.stream().map(AdminEvent::change).toList());
    }

    @Test
    void refusedChangesNameTheProblemAndChangeNothing() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        String known = url(live.server(0));
        List<Backend> before = live.balancer().pool().all();
        List<AdminEvent> events = recordAdminEvents();

        ControlException unknown = assertThrows(ControlException.class, () -> live.control().drain("http://127.0.0.1:1"));
        assertTrue(unknown.getMessage().startsWith("unknown backend \"http://127.0.0.1:1\"; known: "), unknown.getMessage());
        ControlException badUrl = assertThrows(ControlException.class, () -> live.control().add("htp:/nowhere", 1, null));
        assertTrue(badUrl.getMessage().startsWith("bad backend URL: "), badUrl.getMessage());
        ControlException duplicate = assertThrows(ControlException.class, () -> live.control().add(known + "/", 1, null));
        assertTrue(duplicate.getMessage().contains("is already in the pool"), duplicate.getMessage());
        ControlException weight = assertThrows(ControlException.class, () -> live.control().setWeight(known, -1));
        assertTrue(weight.getMessage().startsWith("weight -1 is out of range"), weight.getMessage());
        assertThrows(ControlException.class, () -> live.control().remove("nope"));

        assertEquals(before, live.balancer().pool().all());
        assertTrue(before.stream().allMatch(b -> b.adminState() == AdminState.READY && b.weight() == 1));
        assertEquals(List.of(), events);
        for (String message : List.of(unknown.getMessage(), badUrl.getMessage(), duplicate.getMessage())) {
            assertFalse(message.contains("\n"), "one line: " + message);
        }
    }

    @Test
    void weightedRoundRobinSpreadsThreeToOne() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"algorithm\": \"round-robin\"").start();
        live.control().setWeight(url(live.server(0)), 3);

        Map<String, Integer> spread = live.spread(400);

        int heavy = spread.getOrDefault(live.server(0).name(), 0);
        int light = spread.getOrDefault(live.server(1).name(), 0);
        assertEquals(400, heavy + light, "every request answered: " + spread);
        assertTrue(Math.abs(heavy - 300) <= 4, "weight 3 gets three quarters: " + spread);
    }

    @Test
    void weightZeroTakesNoNewWork() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        live.control().setWeight(url(live.server(1)), 0);
        assertEquals(Map.of(live.server(0).name(), 20), live.spread(20));
    }

    private List<AdminEvent> recordAdminEvents() {
        List<AdminEvent> events = new CopyOnWriteArrayList<>();
        live.balancer().pool().addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
            }

            @Override
            public void onAdminChange(AdminEvent event) {
                events.add(event);
            }
        });
        return events;
    }
}
