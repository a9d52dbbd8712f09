package dev.lb.balancer.control;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.RetryBudgetConfig;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.lb.balancer.testing.TestBalancer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ReloadTest {
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
    void reloadSwapsABackendWithoutFailingARequestUnderLoad() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        BackendServer kept = live.server(0);
        BackendServer dropped = live.server(1);
        Backend droppedBackend = live.backend(dropped);
        BackendServer joining = live.startAnotherServer();
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread load = new Thread(() -> {
            while (loading.get()) {
                try {
                    HttpResponse<String> response = live.get("/delay/5");
                    if (response.statusCode() != 200) {
                        failures.add("HTTP " + response.statusCode() + ": " + response.body().strip());
                    }
                    answered.incrementAndGet();
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        }, "reload-test-load");
        load.start();
        try {
            Await.until("some traffic before the reload", () -> answered.get() >= 20);
            live.writeConfig(List.of(kept, joining), "");

            ReloadOutcome outcome = live.control().reload();

            assertTrue(outcome.applied(), outcome.summary());
            assertEquals(List.of("removing " + url(dropped) + " (draining " + outcomeInFlight(outcome) + " in flight)",
                    "added " + url(joining) + " (weight 1)"), outcome.changes());
            assertEquals(List.of(), outcome.needsRestart());
            Await.until("the removed backend to leave", () -> !live.balancer().pool().contains(droppedBackend));
            Await.until("the new backend to join", () -> live.balancer().pool().available().contains(live.backend(joining)));
            int at = answered.get();
            Await.until("more traffic after the reload", () -> answered.get() >= at + 20);
        } finally {
            loading.set(false);
            load.join(10_000);
        }
        assertEquals(List.of(), failures, "no request fails during the reload");
        long droppedServed = dropped.requests();
        Map<String, Integer> spread = live.spread(20);
        assertEquals(Map.of(kept.name(), 10, joining.name(), 10), spread);
        assertEquals(droppedServed, dropped.requests());
    }

    @Test
    void brokenFileIsRejectedWithItsErrorAndChangesNothing() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        List<ReloadOutcome> published = recordReloads();
        BalancerConfig before = live.control().config();
        List<Backend> backends = live.balancer().pool().all();
        live.writeConfigText("{\"port\": 0, \"servers\": [{\"url\": \"htp:/broken\"}]}");

        ReloadOutcome outcome = live.control().reload();

        assertFalse(outcome.applied());
        assertEquals(live.configFile() + ": servers[0].url \"htp:/broken\" is not an http(s) URL like \"http://localhost:8001\"",
                outcome.error());
        assertSame(before, live.control().config());
        assertEquals(backends, live.balancer().pool().all());
        assertTrue(backends.stream().allMatch(b -> b.adminState() == AdminState.READY));
        assertEquals(2, live.spread(10).size(), "both backends still serve");
        assertEquals(List.of(outcome), published, "the rejected reload is an event too");
    }

    @Test
    void reloadReportsListenerChangesAsNeedingARestartAndAppliesTheRest() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        live.writeConfig(List.of(live.server(0), live.server(1)),
                "\"adminPort\": 9999, \"timeouts\": {\"readMs\": 5000}, \"healthCheck\": {\"timeoutMs\": 700}");
        live.writeConfigText(live.configFileText().replace("\"port\": 0", "\"port\": 18080")
                .replace("\"adminPort\": 0, ", ""));

        ReloadOutcome outcome = live.control().reload();

        assertTrue(outcome.applied(), outcome.summary());
        assertEquals(List.of("port 0 -> 18080", "adminPort 0 -> 9999"), outcome.needsRestart());
        assertEquals(0, live.control().config().port(), "the running port is still the one in effect");
        assertEquals(Duration.ofMillis(5000), live.control().config().timeouts().read());
        assertEquals(Duration.ofMillis(700), live.balancer().healthChecker().config().timeout());
        assertEquals(2, live.spread(10).size());
    }

    @Test
    void reloadedReadTimeoutAppliesToTheNextRequest() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        assertEquals(200, live.get("/delay/800").statusCode(), "the default read timeout is 30 s");
        live.writeConfig(List.of(live.server(0)), "\"timeouts\": {\"readMs\": 200}");

        assertTrue(live.control().reload().applied());

        assertEquals(504, live.get("/delay/800").statusCode(), "the new 200 ms read timeout cuts the request");
    }

    @Test
    void reloadAppliesANewRetryBudget() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        assertEquals(new RetryBudgetConfig(20, 3), live.control().retryBudget().config());
        live.writeConfig(List.of(live.server(0)), "\"retryBudget\": {\"percent\": 50, \"minPerSecond\": 1}");

        ReloadOutcome outcome = live.control().reload();

        assertTrue(outcome.applied(), outcome.summary());
        assertEquals(new RetryBudgetConfig(50, 1), live.control().retryBudget().config(), "the budget requests draw on");
        assertEquals(new RetryBudgetConfig(50, 1), live.control().config().retryBudget());
        assertTrue(outcome.summary().contains("retryBudget 50% of requests, at least 1 per second"), outcome.summary());
    }

    @Test
    void reloadedHealthCheckIntervalTakesEffect() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"healthCheckInterval\": 3600").start();
        Backend failing = live.backend(live.server(1));
        live.server(1).setHealthy(false);
        live.writeConfig(List.of(live.server(0), live.server(1)), "\"healthCheckInterval\": 1");

        ReloadOutcome outcome = live.control().reload();

        assertTrue(outcome.applied(), outcome.summary());
        Backend healthy = live.backend(live.server(0));
        long checksAtReload = healthy.totalChecks();
        Await.until("the failing backend DOWN", () -> !live.balancer().pool().available().contains(failing));
        Await.until("checks repeating at the new 1 s interval (the old one was an hour)",
                () -> healthy.totalChecks() >= checksAtReload + 3);
        assertEquals(Duration.ofSeconds(1), live.balancer().healthChecker().config().interval());
    }

    @Test
    void reloadPutsRuntimeChangesBackToWhatTheFileSays() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        Backend first = live.backend(live.server(0));
        Backend second = live.backend(live.server(1));
        live.control().setWeight(first.name(), 5);
        live.control().disable(second.name());

        ReloadOutcome outcome = live.control().reload();

        assertTrue(outcome.applied(), outcome.summary());
        assertEquals(List.of("weight of " + first.name() + " 5 -> 1", second.name() + " maintenance -> ready"),
                outcome.changes());
        assertEquals(1, first.weight());
        assertEquals(AdminState.READY, second.adminState());
        Await.until("the re-enabled backend back in rotation", () -> live.balancer().pool().available().contains(second));
    }

    @Test
    void sighupReloadsTheConfigFile() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        List<ReloadOutcome> published = recordReloads();
        BackendServer joining = live.startAnotherServer();
        live.writeConfig(List.of(live.server(0), joining), "");
        assertTrue(ReloadSignal.install(live.control()), "SIGHUP is available on this platform");

        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();

        assertEquals(0, kill.waitFor());
        Await.until("the reload triggered by SIGHUP", () -> !published.isEmpty());
        assertTrue(published.get(0).applied(), published.get(0).summary());
        Await.until("the backend named in the new file to join",
                () -> live.balancer().pool().available().contains(live.backend(joining)));
    }

    private static int outcomeInFlight(ReloadOutcome outcome) {
        String line = outcome.changes().get(0);
        return Integer.parseInt(line.substring(line.indexOf("(draining ") + 10, line.indexOf(" in flight")));
    }

    private List<ReloadOutcome> recordReloads() {
        List<ReloadOutcome> outcomes = new CopyOnWriteArrayList<>();
        live.balancer().pool().addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
            }

            @Override
            public void onReload(ReloadOutcome outcome) {
                outcomes.add(outcome);
            }
        });
        return outcomes;
    }
}
