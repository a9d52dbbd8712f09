package dev.lb.balancer.control;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.lb.balancer.testing.TestBalancer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A discovery source's answers applied to a live pool: the same path as add and remove, beside the file's servers. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FollowTest {
    private static final BackendSource SOURCE = new BackendSource(BackendSource.Kind.ETCD, "etcd /lb/backends/");

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
    void aDiscoveredBackendJoinsCheckedSurvivesAReloadAndLeavesWhenItsSourceDropsIt() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer extra = live.startAnotherServer();
        ServerConfig found = server(url(extra), 1);

        List<String> changes = live.control().follow(SOURCE, List.of(found), "test");

        assertEquals(List.of("added " + url(extra) + " (weight 1)"), changes);
        Backend joined = live.balancer().pool().find(url(extra)).orElseThrow();
        assertEquals(SOURCE, joined.source());
        Await.until("the discovered backend passes its first check", () -> joined.health() == HealthState.UP);

        assertTrue(live.control().reload().applied());
        assertEquals(2, live.balancer().pool().all().size(), "a reload leaves discovered backends to their source");

        live.control().follow(SOURCE, List.of(), "test");
        Await.until("the dropped backend is drained and leaves", () -> urls().equals(Set.of(url(live.server(0)))));
    }

    @Test
    void anOperatorsWeightLastsUntilTheSourceChangesItsOwn() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer extra = live.startAnotherServer();
        live.control().follow(SOURCE, List.of(server(url(extra), 1)), "test");
        live.control().setWeight(url(extra), 5);

        live.control().follow(SOURCE, List.of(server(url(extra), 1)), "test");
        assertEquals(5, live.balancer().pool().find(url(extra)).orElseThrow().weight(), "the same answer again keeps the operator's weight");

        live.control().follow(SOURCE, List.of(server(url(extra), 3)), "test");
        assertEquals(3, live.balancer().pool().find(url(extra)).orElseThrow().weight(), "a new weight from the source applies");
    }

    @Test
    void aBackendNamedAgainWhileItDrainsJoinsAgainOnceItHasLeft() throws Exception {
        // given a discovered backend with a request in flight (the listed one is disabled)
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer extra = live.startAnotherServer();
        ServerConfig found = server(url(extra), 1);
        live.control().follow(SOURCE, List.of(found), "test");
        Backend first = live.balancer().pool().find(url(extra)).orElseThrow();
        Await.until("the discovered backend is up", () -> first.health() == HealthState.UP);
        live.control().disable(url(live.server(0)));
        var slow = live.getAsync("/delay/1500");
        Await.until("the slow request reaches the discovered backend", () -> first.inFlight() == 1);

        // when the source drops it and names it again while it drains
        live.control().follow(SOURCE, List.of(), "test");
        live.control().follow(SOURCE, List.of(found), "test");

        // then the request finishes and the backend joins again as a new member
        assertEquals(200, slow.get(30, TimeUnit.SECONDS).statusCode());
        Await.until("the backend is back", () -> live.balancer().pool().find(url(extra)).map(b -> b != first).orElse(false));
        assertEquals(SOURCE, live.balancer().pool().find(url(extra)).orElseThrow().source());
    }

    @Test
    void anAnswerNamingAListedServerLeavesItToTheFile() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        String listed = url(live.server(0));

        List<String> changes = live.control().follow(SOURCE, List.of(server(listed, 7)), "test");

        assertEquals(List.of(), changes);
        Backend kept = live.balancer().pool().find(listed).orElseThrow();
        assertEquals(BackendSource.CONFIG, kept.source());
        assertEquals(1, kept.weight());
    }

    private Set<String> urls() {
        return live.balancer().pool().all().stream().map(b -> b.url().toString()).collect(Collectors.toSet());
    }

    private static ServerConfig server(String url, int weight) {
        return new ServerConfig(URI.create(url), url, weight, false);
    }
}
