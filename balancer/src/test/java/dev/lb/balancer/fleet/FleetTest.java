package dev.lb.balancer.fleet;

import com.sun.net.httpserver.HttpServer;
import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.DisableRequest;
import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainRequest;
import dev.lb.admin.v1.EnableRequest;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.SetWeightRequest;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.discovery.SourceStatus;
import dev.lb.testing.Await;
import dev.lb.balancer.testing.EtcdServer;
import dev.lb.balancer.testing.TestConfigs;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three balancers from three copies of one config with an etcd prefix, against a real etcd: they agree on
 * the backends, apply fleet-wide changes made through any one of them, keep serving while etcd is down,
 * and a fleet drain with wait ends only when every one of them has nothing in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FleetTest {
    private static final String PREFIX = "/lb/backends/";
    /** Changes arrive by watch in milliseconds; the margin is for a loaded 2-core machine. */
    private static final Duration CONVERGE = Duration.ofSeconds(5);

    @RegisterExtension
    final EtcdServer etcd = new EtcdServer("fleet-wide changes are not tested here");
    private final List<HttpServer> backends = new ArrayList<>();
    private final List<Balancer> balancers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        channels.forEach(ManagedChannel::shutdownNow);
        balancers.forEach(Balancer::close);
        backends.forEach(b -> b.stop(0));
    }

    @Test
    void aFleetDrainWithWaitEndsWhenNoInstanceHasAnythingInFlight() throws Exception {
        // given three balancers sharing backend "a", each with one request held in flight to it
        String a = backend(true);
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\", \"name\": \"a\"}");
        startBalancers(3);
        awaitEverywhere("a is up", b -> b.pool().find("a").map(x -> x.health() == HealthState.UP).orElse(false));
        Await.until("every balancer sees the fleet of three", CONVERGE,
                () -> balancers.stream().allMatch(b -> b.fleet().orElseThrow().view().instances().size() == 3));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (Balancer balancer : balancers) {
            held.add(get(balancer));
        }
        awaitEverywhere("a request in flight", b -> b.pool().find("a").orElseThrow().inFlight() == 1);

        // when a fleet drain with wait is asked of the first balancer
        Iterator<DrainEvent> events = admin(balancers.get(0)).withDeadlineAfter(60, TimeUnit.SECONDS)
                .drain(DrainRequest.newBuilder().setBackend("a").setActor("alice@ops").setWait(true).setFleet(true).build());

        // then every balancer drains a, each reports its one request, and the stream has not ended
        Set<String> reporting = new TreeSet<>();
        while (reporting.size() < 3) {
            DrainEvent event = events.next();
            assertTrue(event.hasProgress(), event.toString());
            assertEquals(1, event.getProgress().getInFlight(), event.toString());
            reporting.add(event.getProgress().getInstance());
        }
        assertEquals(instances(), reporting);
        for (Balancer balancer : balancers) {
            Backend drained = balancer.pool().find("a").orElseThrow();
            assertEquals(AdminState.DRAINING, drained.adminState());
        }

        // when the held requests finish, then each reports 0 and the stream ends with every instance named
        release.countDown();
        for (var response : held) {
            assertEquals(200, response.get(30, TimeUnit.SECONDS).statusCode());
        }
        DrainEvent last = null;
        while (events.hasNext()) {
            last = events.next();
        }
        assertTrue(last != null && last.hasDone(), String.valueOf(last));
        assertEquals(List.copyOf(instances()), last.getDone().getInstancesList());
    }

    @Test
    void disableEnableAndWeightReachEveryInstanceWithTheOperatorAsActor() throws Exception {
        String a = backend(false);
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\", \"name\": \"a\"}");
        startBalancers(3);
        awaitEverywhere("a joins", b -> b.pool().find("a").isPresent());
        var history = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        balancers.get(2).pool().addListener(new dev.lb.balancer.backend.BackendListener() {
            @Override
            public void onHealthChange(dev.lb.balancer.backend.HealthEvent event) {
            }

            @Override
            public void onAdminChange(dev.lb.balancer.backend.AdminEvent event) {
                history.add(event.change() + " " + event.to() + " by " + event.actor());
            }
        });

        // when the second balancer is asked to disable a fleet-wide, then it answers with a disabled here
        var answer = admin(balancers.get(1)).disable(DisableRequest.newBuilder().setBackend("a").setActor("alice@ops").setFleet(true).build());
        assertEquals(dev.lb.admin.v1.AdminState.ADMIN_STATE_MAINTENANCE, answer.getBackend().getAdminState());
        awaitEverywhere("a in maintenance", b -> b.pool().find("a").orElseThrow().adminState() == AdminState.MAINTENANCE);

        admin(balancers.get(0)).setWeight(SetWeightRequest.newBuilder().setBackend("a").setWeight(7).setActor("bob@ops").setFleet(true).build());
        awaitEverywhere("a weighs 7", b -> b.pool().find("a").orElseThrow().weight() == 7);
        // the weight kept the state: they have keys of their own
        awaitEverywhere("a still in maintenance", b -> b.pool().find("a").orElseThrow().adminState() == AdminState.MAINTENANCE);

        admin(balancers.get(0)).enable(EnableRequest.newBuilder().setBackend("a").setActor("carol@ops").setFleet(true).build());
        awaitEverywhere("a ready", b -> b.pool().find("a").orElseThrow().adminState() == AdminState.READY);

        // then a balancer that was not asked recorded each operator, through the fleet
        String via = " via " + balancers.get(1).fleet().orElseThrow().instance() + " (fleet)";
        assertTrue(history.contains("STATE maintenance by alice@ops" + via), history.toString());
        assertTrue(history.stream().anyMatch(h -> h.equals("WEIGHT 7 by bob@ops via " + balancers.get(0).fleet().orElseThrow().instance() + " (fleet)")),
                history.toString());
    }

    @Test
    void withoutFleetAChangeStaysLocalAndWithoutEtcdFleetIsRefused() throws Exception {
        String a = backend(false);
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\", \"name\": \"a\"}");
        startBalancers(2);
        awaitEverywhere("a joins", b -> b.pool().find("a").isPresent());

        admin(balancers.get(0)).disable(DisableRequest.newBuilder().setBackend("a").build());
        assertEquals(AdminState.MAINTENANCE, balancers.get(0).pool().find("a").orElseThrow().adminState());
        assertEquals(AdminState.READY, balancers.get(1).pool().find("a").orElseThrow().adminState());

        // a balancer without discovery.etcd refuses --fleet with the fix
        Balancer alone = new Balancer(ConfigLoader.parse(TestConfigs.withTestServer(
                "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [{\"url\": \"" + a + "\", \"name\": \"a\"}]}"),
                "alone.json")).start();
        balancers.add(alone);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> admin(alone)
                .disable(DisableRequest.newBuilder().setBackend("a").setFleet(true).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("fleet-wide changes need discovery.etcd"), e.getStatus().getDescription());
        assertEquals(AdminState.READY, alone.pool().find("a").orElseThrow().adminState());
    }

    @Test
    void instancesKeepServingWhileEtcdIsDownThenResyncAndStillDrainTogether() throws Exception {
        // given three balancers following a prefix with one backend
        String a = backend(false);
        String b = backend(false);
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\", \"name\": \"a\"}");
        startBalancers(3);
        awaitEverywhere("a is up", x -> x.pool().find("a").map(y -> y.health() == HealthState.UP).orElse(false));

        // when etcd stops: each reports its sources failing and keeps serving a
        etcd.stop();
        Await.until("every instance reports etcd failing", CONVERGE, () -> balancers.stream()
                .allMatch(x -> x.discovery().statuses().get(0).state() == SourceStatus.State.FAILING
                        && !x.fleet().orElseThrow().view().connected()));
        for (Balancer balancer : balancers) {
            assertEquals(200, get(balancer).get(30, TimeUnit.SECONDS).statusCode());
        }
        // a fleet change cannot be written: refused, nothing changed
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> admin(balancers.get(0))
                .disable(DisableRequest.newBuilder().setBackend("a").setFleet(true).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertEquals(AdminState.READY, balancers.get(0).pool().find("a").orElseThrow().adminState());

        // when etcd is back and a key changes, then every instance has the change and the fleet again
        etcd.start();
        etcd.put(PREFIX + "b", "{\"url\": \"" + b + "\", \"name\": \"b\"}");
        awaitEverywhere("b is up after the restart", x -> x.pool().find("b").map(y -> y.health() == HealthState.UP).orElse(false));
        Await.until("every balancer follows the fleet of three again", CONVERGE, () -> balancers.stream()
                .allMatch(x -> x.fleet().orElseThrow().view().connected() && x.fleet().orElseThrow().view().instances().size() == 3));

        // and a fleet drain with wait completes on all three
        Iterator<DrainEvent> events = admin(balancers.get(2)).withDeadlineAfter(60, TimeUnit.SECONDS)
                .drain(DrainRequest.newBuilder().setBackend("b").setWait(true).setFleet(true).build());
        DrainEvent last = null;
        while (events.hasNext()) {
            last = events.next();
        }
        assertTrue(last != null && last.hasDone(), String.valueOf(last));
        assertEquals(List.copyOf(instances()), last.getDone().getInstancesList());
        awaitEverywhere("b draining", x -> x.pool().find("b").orElseThrow().adminState() == AdminState.DRAINING);
    }

    @Test
    void statusShowsTheFleet() throws Exception {
        startBalancers(2);
        Await.until("both see the fleet of two", CONVERGE,
                () -> balancers.stream().allMatch(b -> b.fleet().orElseThrow().view().instances().size() == 2));

        var fleet = admin(balancers.get(0)).getStatus(GetStatusRequest.getDefaultInstance()).getFleet();
        assertEquals("/lb/admin/", fleet.getAdminPrefix());
        assertEquals(balancers.get(0).fleet().orElseThrow().instance(), fleet.getInstance());
        assertEquals(List.copyOf(instances()), fleet.getInstancesList());
        assertTrue(fleet.getConnected());

        // a balancer that stops leaves the fleet at once (its lease is revoked), not after the lease's time
        balancers.remove(1).close();
        Await.until("the fleet is one", CONVERGE,
                () -> balancers.get(0).fleet().orElseThrow().view().instances().size() == 1);
    }

    private void startBalancers(int n) throws Exception {
        String json = etcd.balancerConfig(PREFIX);
        for (int i = 0; i < n; i++) {
            balancers.add(new Balancer(ConfigLoader.parse(TestConfigs.withTestServer(json), "fleet-" + i + ".json")).start());
        }
    }

    private Set<String> instances() {
        return balancers.stream().map(b -> b.fleet().orElseThrow().instance()).collect(Collectors.toCollection(TreeSet::new));
    }

    private void awaitEverywhere(String what, Predicate<Balancer> condition) {
        Await.until(what + " on every instance", CONVERGE, () -> balancers.stream().allMatch(condition));
    }

    private AdminServiceGrpc.AdminServiceBlockingStub admin(Balancer balancer) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", balancer.adminPort(),
                InsecureChannelCredentials.create()).build();
        channels.add(channel);
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static CompletableFuture<HttpResponse<String>> get(Balancer balancer) {
        return HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + "/"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A backend answering 200; with {@code hold}, requests other than health checks wait for {@link #release}. */
    private String backend(boolean hold) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (hold && !exchange.getRequestURI().getPath().equals("/health")) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        backends.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
