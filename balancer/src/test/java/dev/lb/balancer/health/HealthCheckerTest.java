package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.HealthCheckConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.testing.ScriptedBackend;
import dev.lb.balancer.util.Timers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks are never fooled by a backend's keep-alive timeout: each one runs on a connection of its own. */
class HealthCheckerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Timers timers = new Timers();

    @AfterEach
    void closeTimers() {
        timers.close();
    }

    private static HealthCheckConfig every(Duration interval) {
        return new HealthCheckConfig("/health", interval, Duration.ofSeconds(2), 2, 1);
    }

    @ParameterizedTest(name = "backend keep-alive {0} ms, checks every {1} ms")
    @CsvSource({"500, 200", "500, 1000", "1000, 300", "1000, 1500"})
    void aBackendWithAShortKeepAliveStaysUpAtIntervalsAboveAndBelowIt(int keepAliveMs, int intervalMs) throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.ok("ok"))) {
            server.closeIdleAfter(keepAliveMs);
            Backend backend = backendAt(server);
            BackendPool pool = new BackendPool(List.of(backend), new HealthPolicy(2, 1), Clock.systemUTC());
            try (HealthChecker checker = new HealthChecker(pool, every(Duration.ofMillis(intervalMs)), Clock.systemUTC(), timers)) {
                checker.start();
                long wanted = Math.max(4, 2 * keepAliveMs / intervalMs + 2);
                until(wanted + " checks", WAIT, () -> backend.totalChecks() >= wanted);

                assertEquals(0, backend.totalCheckFailures(), () -> "last: " + backend.lastCheck());
                assertEquals(HealthState.UP, backend.health());
            }
        }
    }

    @Test
    void aCheckAfterANodeStyleFiveSecondKeepAliveClosedTheLastConnectionPasses() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.ok("ok"))) {
            server.closeIdleAfter(5_000);
            Backend backend = backendAt(server);
            BackendPool pool = new BackendPool(List.of(backend), new HealthPolicy(2, 1), Clock.systemUTC());
            try (HealthChecker checker = new HealthChecker(pool, every(Duration.ofSeconds(3600)), Clock.systemUTC(), timers)) {
                assertTrue(checker.check(backend).healthy());
                until("no connection left open at the backend", WAIT,
                        () -> server.closedConnections() == server.connections());

                CheckResult second = checker.check(backend);

                assertTrue(second.healthy(), second.detail());
            }
        }
    }

    private static Backend backendAt(ScriptedBackend server) {
        URI url = URI.create(server.url());
        return new Backend(new ServerConfig(url, url.toString(), 1, true));
    }
}
