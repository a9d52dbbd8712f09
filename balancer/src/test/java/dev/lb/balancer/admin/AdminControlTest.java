package dev.lb.balancer.admin;

import dev.lb.admin.v1.AddBackendRequest;
import dev.lb.admin.v1.AdminChange;
import dev.lb.admin.v1.AdminChangeKind;
import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.AdminState;
import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.DisableRequest;
import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainRequest;
import dev.lb.admin.v1.EnableRequest;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.ReloadRequest;
import dev.lb.admin.v1.RemoveBackendRequest;
import dev.lb.admin.v1.RemoveBackendResponse;
import dev.lb.admin.v1.SetWeightRequest;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime-control RPCs over in-process gRPC against a real balancer and real backends. */
class AdminControlTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ONE_CHECK = "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS
            + ", \"healthyThreshold\": 1}";
    private static final String FAST_CHECKS = "\"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS
            + ", \"healthyThreshold\": 1}";
    private static final String ACTOR = "alice@ops-1";

    @Test
    void drainStreamsTheInFlightCountDownToZeroThenDone() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(0));
            Backend backend = f.backend(url);
            Await.until("backend up", WAIT, () -> backend.health() == dev.lb.balancer.backend.HealthState.UP);
            CompletableFuture<Integer> slow = f.statusAsync("/delay/1500");
            Await.until("request in flight", WAIT, () -> backend.inFlight() == 1);

            DrainRecorder drain = new DrainRecorder();
            f.async().drain(DrainRequest.newBuilder().setBackend(url).setActor(ACTOR).setWait(true).build(), drain);

            assertEquals(200, slow.get(WAIT.toSeconds(), TimeUnit.SECONDS), "the request in flight finishes");
            drain.done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            List<DrainEvent> events = drain.events;
            assertEquals(1, events.get(0).getProgress().getInFlight(), "first the count when the drain started: " + events);
            assertEquals(url, events.get(0).getProgress().getUrl());
            DrainEvent beforeLast = events.get(events.size() - 2);
            assertTrue(beforeLast.hasProgress() && beforeLast.getProgress().getInFlight() == 0, "then 0: " + events);
            assertTrue(events.get(events.size() - 1).hasDone(), "last DrainDone: " + events);
            assertEquals(3, events.size(), "nothing else: " + events);
            assertEquals(dev.lb.balancer.backend.AdminState.DRAINING, backend.adminState(), "it stays out of rotation");
        }
    }

    @Test
    void drainWithoutWaitAnswersOnceWithTheCount() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(2).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(1));

            List<DrainEvent> events = iterate(f.blocking().drain(DrainRequest.newBuilder().setBackend(url).build()));

            assertEquals(1, events.size(), events.toString());
            assertEquals(0, events.get(0).getProgress().getInFlight());
            BackendStatus status = f.blocking().getStatus(GetStatusRequest.newBuilder().setBackend(url).build()).getBackends(0);
            assertEquals(AdminState.ADMIN_STATE_DRAINING, status.getAdminState());
        }
    }

    @Test
    void aDrainAbandonedByAnEnableEndsTheStreamWithAborted() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(0));
            Backend backend = f.backend(url);
            Await.until("backend up", WAIT, () -> backend.health() == dev.lb.balancer.backend.HealthState.UP);
            CompletableFuture<Integer> slow = f.statusAsync("/delay/2000");
            Await.until("request in flight", WAIT, () -> backend.inFlight() == 1);
            DrainRecorder drain = new DrainRecorder();
            f.async().drain(DrainRequest.newBuilder().setBackend(url).setWait(true).build(), drain);
            Await.until("first progress", WAIT, () -> !drain.events.isEmpty());

            f.blocking().enable(EnableRequest.newBuilder().setBackend(url).build());

            Throwable failure = assertThrows(Exception.class, () -> drain.done.get(WAIT.toSeconds(), TimeUnit.SECONDS)).getCause();
            Status status = Status.fromThrowable(failure);
            assertEquals(Status.Code.ABORTED, status.getCode());
            assertTrue(status.getDescription().contains("set ready"), status.getDescription());
            assertEquals(200, slow.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void disableAndEnableShowInStatusAndSayWhoChangedIt() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(2).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(0));
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.newBuilder()
                    .setStatsInterval(ProtoValues.duration(Duration.ofHours(1))).build());
            Await.until("snapshot", WAIT, () -> !watch.received.isEmpty());

            BackendChangeResponse disabled = f.blocking().disable(DisableRequest.newBuilder().setBackend(url).setActor(ACTOR).build());
            assertEquals(AdminState.ADMIN_STATE_MAINTENANCE, disabled.getBackend().getAdminState());
            BackendChangeResponse enabled = f.blocking().enable(EnableRequest.newBuilder().setBackend(url + "/").setActor(ACTOR).build());
            assertEquals(AdminState.ADMIN_STATE_READY, enabled.getBackend().getAdminState());
            assertEquals(url, enabled.getBackend().getUrl(), "a URL spelt with a trailing slash names the same backend");

            Await.until("two admin changes", WAIT, () -> adminChanges(watch).size() >= 2);
            AdminChange first = adminChanges(watch).get(0);
            assertEquals(AdminChangeKind.ADMIN_CHANGE_KIND_STATE, first.getKind());
            assertEquals(url, first.getUrl());
            assertEquals("ready", first.getOldValue());
            assertEquals("maintenance", first.getNewValue());
            assertEquals(ACTOR, first.getActor());
            assertTrue(first.getTime().getSeconds() > 0);
            assertEquals("ready", adminChanges(watch).get(1).getNewValue());
        }
    }

    @Test
    void setWeightChangesTheWeightAndRefusesOutOfRange() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(2).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(1));

            BackendChangeResponse answer = f.blocking().setWeight(SetWeightRequest.newBuilder().setBackend(url).setWeight(3).build());

            assertEquals(3, answer.getBackend().getWeight());
            assertEquals(3, f.backend(url).weight());
            StatusRuntimeException refused = refused(() -> f.blocking().setWeight(
                    SetWeightRequest.newBuilder().setBackend(url).setWeight(1001).build()), Status.Code.INVALID_ARGUMENT);
            assertTrue(refused.getStatus().getDescription().contains("out of range"), refused.getMessage());
            assertEquals(3, f.backend(url).weight(), "nothing changed");
        }
    }

    @Test
    void refusalsMapToStatusCodesWithTheOneLineMessage() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(0));
            var stub = f.blocking();

            StatusRuntimeException unknown = refused(() -> stub.disable(DisableRequest.newBuilder().setBackend("http://nowhere:1").build()),
                    Status.Code.NOT_FOUND);
            assertTrue(unknown.getStatus().getDescription().startsWith("unknown backend \"http://nowhere:1\"; known: " + url),
                    unknown.getStatus().getDescription());
            refused(() -> iterate(stub.drain(DrainRequest.newBuilder().setBackend("nope").build())), Status.Code.NOT_FOUND);
            refused(() -> stub.enable(EnableRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT);
            refused(() -> stub.addBackend(AddBackendRequest.newBuilder().setUrl("htp:/x").build()), Status.Code.INVALID_ARGUMENT);
            StatusRuntimeException duplicate = refused(() -> stub.addBackend(AddBackendRequest.newBuilder().setUrl(url).build()),
                    Status.Code.ALREADY_EXISTS);
            assertTrue(duplicate.getStatus().getDescription().contains("already in the pool"), duplicate.getMessage());
            stub.disable(DisableRequest.newBuilder().setBackend(url).build());
            refused(() -> iterate(stub.drain(DrainRequest.newBuilder().setBackend(url).build())), Status.Code.FAILED_PRECONDITION);
            refused(() -> stub.enable(EnableRequest.newBuilder().setBackend(url).setActor("two\nlines").build()),
                    Status.Code.INVALID_ARGUMENT);
            assertEquals(1, f.balancer().pool().all().size(), "nothing was added");
        }
    }

    @Test
    void anAddedBackendIsCheckedThenServesAndRemoveAnswersOnceItHasLeft() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(FAST_CHECKS).start();
             BackendServer extra = BackendServer.start("127.0.0.1", 0, "extra")) {
            String url = TestBalancer.url(extra);

            BackendChangeResponse added = f.blocking().addBackend(AddBackendRequest.newBuilder()
                    .setUrl(url).setName("extra").setWeight(2).setActor(ACTOR).build());

            assertEquals("extra", added.getBackend().getName());
            assertEquals(2, added.getBackend().getWeight());
            Await.until("the added backend passes a check", WAIT,
                    () -> f.balancer().pool().find("extra").orElseThrow().health() == dev.lb.balancer.backend.HealthState.UP);
            Backend joined = f.balancer().pool().find("extra").orElseThrow();
            CompletableFuture<Integer> slow = null;
            for (int i = 0; i < 20 && joined.inFlight() == 0; i++) {
                slow = f.statusAsync("/delay/1000"); // least-connections spreads them, so one reaches the new backend
                Await.until("request " + i + " in flight", WAIT, () -> f.balancer().pool().all().stream().mapToInt(Backend::inFlight).sum() > 0);
            }
            Await.until("a request on the new backend", WAIT, () -> joined.inFlight() > 0);

            RemoveBackendResponse removed = f.blocking().withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .removeBackend(RemoveBackendRequest.newBuilder().setBackend("extra").setActor(ACTOR).build());

            assertEquals("extra", removed.getBackend());
            assertEquals(0, removed.getInFlight(), "removal waited for the drain");
            assertTrue(f.balancer().pool().find("extra").isEmpty());
            assertEquals(200, slow.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void reloadReportsTheOutcomeAndAWatchSeesItTooWhileABrokenFileChangesNothing(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("lb.json");
        try (TestBalancer f = TestBalancer.builder().backends(2).json(ONE_CHECK).configFile(config).start()) {
            String kept = TestBalancer.url(f.server(0));
            String dropped = TestBalancer.url(f.server(1));
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.newBuilder()
                    .setStatsInterval(ProtoValues.duration(Duration.ofHours(1))).build());
            Await.until("snapshot", WAIT, () -> !watch.received.isEmpty());
            Files.writeString(config, Files.readString(config).replace("{\"url\": \"" + dropped + "\"}, ", "")
                    .replace(", {\"url\": \"" + dropped + "\"}", "").replace("{\"url\": \"" + kept + "\"}",
                            "{\"url\": \"" + kept + "\", \"weight\": 4}"));

            ReloadOutcome applied = f.blocking().reload(ReloadRequest.newBuilder().setActor(ACTOR).build());

            assertTrue(applied.getApplied(), applied.toString());
            assertEquals(config.toString(), applied.getSource());
            assertTrue(applied.getChangesList().stream().anyMatch(c -> c.startsWith("removing " + dropped)), applied.toString());
            assertTrue(applied.getChangesList().stream().anyMatch(c -> c.contains("weight of " + kept + " 1 -> 4")), applied.toString());
            Await.until("the dropped backend leaves", WAIT, () -> f.balancer().pool().find(dropped).isEmpty());

            Files.writeString(config, "{\"port\": 0, \"servers\": [}");
            ReloadOutcome rejected = f.blocking().reload(ReloadRequest.newBuilder().setActor(ACTOR).build());

            assertFalse(rejected.getApplied());
            assertFalse(rejected.getError().isEmpty());
            assertEquals(0, rejected.getChangesCount());
            assertEquals(1, f.balancer().pool().all().size(), "nothing changed");
            assertEquals(4, f.backend(kept).weight(), "nothing changed");

            Await.until("two reload events", WAIT, () -> watch.count(WatchEvent::hasReload) == 2);
            List<ReloadOutcome> reloads = watch.received.stream().filter(WatchEvent::hasReload).map(WatchEvent::getReload).toList();
            assertEquals(applied, reloads.get(0));
            assertEquals(rejected, reloads.get(1));
            assertEquals(ACTOR, reloads.get(1).getActor());
            int weightEvent = indexOf(watch, e -> e.hasAdmin() && e.getAdmin().getKind() == AdminChangeKind.ADMIN_CHANGE_KIND_WEIGHT);
            int firstReload = indexOf(watch, WatchEvent::hasReload);
            assertTrue(weightEvent >= 0 && weightEvent < firstReload, "the reload's own changes come before its outcome");
            int removedEvent = indexOf(watch, e -> e.hasAdmin() && e.getAdmin().getKind() == AdminChangeKind.ADMIN_CHANGE_KIND_REMOVED);
            assertTrue(removedEvent >= 0 && removedEvent < firstReload,
                    "a backend with nothing in flight is removed before the reload's outcome: " + watch.received);
            assertEquals(ACTOR + " reload", watch.received.get(weightEvent).getAdmin().getActor());
        }
    }

    @Test
    void balancerTotalsDoNotGoDownWhenAReloadRemovesAndReAddsABackend(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("lb.json");
        try (TestBalancer f = TestBalancer.builder().backends(2).json(ONE_CHECK + ", \"algorithm\": \"round-robin\"").configFile(config).start()) {
            // given requests spread over both backends
            String both = Files.readString(config);
            String dropped = TestBalancer.url(f.server(1));
            for (int i = 0; i < 10; i++) {
                assertEquals(200, f.status("/"));
            }
            Await.until("both backends served", WAIT, () -> f.backend(dropped).totalRequests() > 0
                    && f.balancer().pool().all().stream().allMatch(b -> b.inFlight() == 0));
            assertEquals(10, f.blocking().getStatus(GetStatusRequest.getDefaultInstance()).getBalancer().getTotalRequests());

            // when a reload removes one backend and the next one adds it back
            Files.writeString(config, both.replace(", {\"url\": \"" + dropped + "\"}", ""));
            assertTrue(f.blocking().reload(ReloadRequest.getDefaultInstance()).getApplied());
            Await.until("the backend leaves", WAIT, () -> f.balancer().pool().find(dropped).isEmpty());
            Files.writeString(config, both);
            assertTrue(f.blocking().reload(ReloadRequest.getDefaultInstance()).getApplied());
            Await.until("the backend is back", WAIT, () -> f.balancer().pool().find(dropped).isPresent());

            // then the balancer's totals still count the requests the removed backend served
            var balancer = f.blocking().getStatus(GetStatusRequest.getDefaultInstance()).getBalancer();
            assertEquals(10, balancer.getTotalRequests());
            assertEquals(0, f.backend(dropped).totalRequests(), "the re-added backend starts from zero");
            WatchClient watch = WatchClient.open(f.async(), WatchRequest.newBuilder()
                    .setStatsInterval(ProtoValues.duration(Duration.ofMillis(100))).build());
            Await.until("a stats update", WAIT, () -> watch.count(WatchEvent::hasStats) > 0);
            assertEquals(10, watch.received.stream().filter(WatchEvent::hasStats).findFirst().orElseThrow()
                    .getStats().getTotalRequests());
        }
    }

    @Test
    void aChangeWithoutAnActorIsRecordedWithTheCallersAddress() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            String url = TestBalancer.url(f.server(0));
            List<AdminEvent> seen = new CopyOnWriteArrayList<>();
            f.balancer().pool().addListener(new BackendListener() {
                @Override
                public void onHealthChange(HealthEvent event) {
                }

                @Override
                public void onAdminChange(AdminEvent event) {
                    seen.add(event);
                }
            });
            ManagedChannel channel = NettyChannelBuilder
                    .forAddress("127.0.0.1", f.balancer().adminPort()).usePlaintext().build();
            try {
                AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .disable(DisableRequest.newBuilder().setBackend(url).build());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            Await.until("the admin change", WAIT, () -> !seen.isEmpty());
            assertTrue(seen.get(0).actor().matches("127\\.0\\.0\\.1:\\d+"), "actor " + seen.get(0).actor());
        }
    }

    // --- helpers ---

    private static List<AdminChange> adminChanges(WatchClient watch) {
        return watch.received.stream().filter(WatchEvent::hasAdmin).map(WatchEvent::getAdmin).toList();
    }

    private static int indexOf(WatchClient watch, java.util.function.Predicate<WatchEvent> match) {
        List<WatchEvent> events = List.copyOf(watch.received);
        for (int i = 0; i < events.size(); i++) {
            if (match.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static StatusRuntimeException refused(Executable call, Status.Code code) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getMessage());
        assertFalse(e.getStatus().getDescription().contains("\n"), "one line: " + e.getStatus().getDescription());
        return e;
    }

    private static <T> List<T> iterate(java.util.Iterator<T> events) {
        List<T> all = new java.util.ArrayList<>();
        events.forEachRemaining(all::add);
        return all;
    }

    /** Records a Drain stream; {@link #done} completes when it ends. */
    private static final class DrainRecorder implements StreamObserver<DrainEvent> {
        final List<DrainEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onNext(DrainEvent event) {
            events.add(event);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }
    }
}
