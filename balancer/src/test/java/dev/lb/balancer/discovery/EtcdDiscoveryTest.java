package dev.lb.balancer.discovery;

import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.EtcdServer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three balancers started from one config with an etcd prefix, against a real etcd: they agree on the
 * backends soon after each change, keep serving with etcd down, and catch up when it is back.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EtcdDiscoveryTest {
    private static final String PREFIX = "/lb/backends/";
    /** Changes arrive by watch in milliseconds; the margin is for a loaded 2-core machine. */
    private static final Duration CONVERGE = Duration.ofSeconds(5);

    @RegisterExtension
    final EtcdServer etcd = new EtcdServer("etcd discovery is not tested here");
    private final List<HttpServer> backends = new ArrayList<>();
    private final List<Balancer> balancers = new ArrayList<>();

    @AfterEach
    void stop() {
        balancers.forEach(Balancer::close);
        backends.forEach(b -> b.stop(0));
    }

    @Test
    void threeInstancesAgreeOnEveryKeyChange() throws Exception {
        // given three balancers following one prefix with one backend in it
        String a = backend();
        String b = backend();
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\", \"name\": \"a\"}");
        startBalancers(3);
        awaitEverywhere("a joins and is up", Set.of(a));
        assertEquals(new BackendSource(BackendSource.Kind.ETCD, "etcd " + PREFIX), balancers.get(0).pool().all().get(0).source());

        // when a second key appears, then every instance has it
        etcd.put(PREFIX + "b", "{\"url\": \"" + b + "\", \"weight\": 3}");
        awaitEverywhere("b joins", Set.of(a, b));
        for (Balancer balancer : balancers) {
            assertEquals(3, balancer.pool().find(b).orElseThrow().weight());
        }

        // when the first key is deleted, then it is drained and dropped everywhere, and b stays
        etcd.delete(PREFIX + "a");
        awaitEverywhere("a leaves", Set.of(b));
    }

    @Test
    void instancesKeepServingWhileEtcdIsDownAndCatchUpWhenItIsBack() throws Exception {
        // given two balancers following a prefix with one backend
        String a = backend();
        String b = backend();
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\"}");
        startBalancers(2);
        awaitEverywhere("a joins", Set.of(a));
        var sourceEvents = new java.util.concurrent.ConcurrentLinkedQueue<dev.lb.balancer.backend.SourceEvent>();
        balancers.get(0).pool().addListener(new dev.lb.balancer.backend.BackendListener() {
            @Override
            public void onHealthChange(dev.lb.balancer.backend.HealthEvent event) {
            }

            @Override
            public void onSourceChange(dev.lb.balancer.backend.SourceEvent event) {
                sourceEvents.add(event);
            }
        });

        // when etcd stops, then each reports the source failing and keeps its backend
        etcd.stop();
        Await.until("every instance reports etcd failing", CONVERGE, () -> balancers.stream()
                .allMatch(x -> x.discovery().statuses().get(0).state() == SourceStatus.State.FAILING));
        for (Balancer balancer : balancers) {
            assertEquals(Set.of(a), up(balancer));
        }

        // when etcd is back and a key changes (perhaps before the instances reconnect), then each resumes
        // its watch from the last revision it saw and has the change
        etcd.start();
        etcd.put(PREFIX + "b", "{\"url\": \"" + b + "\"}");
        awaitEverywhere("b joins after the restart", Set.of(a, b));
        Await.until("every instance reports etcd answering", CONVERGE, () -> balancers.stream()
                .allMatch(x -> x.discovery().statuses().get(0).state() == SourceStatus.State.OK));

        // and the listeners (Watch streams) heard once that it failed, keeping a, and once that it is back
        Await.until("the source's return is told", CONVERGE, () -> sourceEvents.size() >= 2);
        List<dev.lb.balancer.backend.SourceEvent> heard = List.copyOf(sourceEvents);
        assertEquals(List.of(false, true), heard.stream().map(dev.lb.balancer.backend.SourceEvent::up).toList(), heard.toString());
        assertEquals("etcd " + PREFIX, heard.get(0).source());
        assertEquals(1, heard.get(0).backends());
    }

    @Test
    void aBadValueIsLeftOutAndTheOtherKeysStillApply() throws Exception {
        String a = backend();
        etcd.put(PREFIX + "bad", "not json");
        etcd.put(PREFIX + "a", "{\"url\": \"" + a + "\"}");
        startBalancers(1);

        awaitEverywhere("a joins", Set.of(a));
        assertEquals(1, balancers.get(0).pool().all().size());
    }

    private void startBalancers(int n) throws Exception {
        String json = etcd.balancerConfig(PREFIX);
        for (int i = 0; i < n; i++) {
            balancers.add(TestBalancer.builder().config(json).startBalancer());
        }
    }

    private void awaitEverywhere(String what, Set<String> upUrls) {
        Await.until(what + " on every instance", CONVERGE, () -> balancers.stream()
                .allMatch(x -> all(x).equals(upUrls) && up(x).equals(upUrls)));
    }

    private static Set<String> all(Balancer balancer) {
        return balancer.pool().all().stream().map(b -> b.url().toString()).collect(Collectors.toSet());
    }

    private static Set<String> up(Balancer balancer) {
        return balancer.pool().all().stream().filter(b -> b.health() == HealthState.UP)
                .map(Backend::url).map(Object::toString).collect(Collectors.toSet());
    }

    /** A backend answering 200 to everything; returns its URL. */
    private String backend() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        backends.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
