package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.config.HealthCheckConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.testing.ManualScheduler;
import dev.lb.balancer.testing.ScriptedBackend;
import dev.lb.balancer.util.NamedThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When checks run: once at once, then an interval after each ended; never two at once for a backend;
 * none after the backend is unwatched. A manual scheduler decides when checks are due, so the schedule
 * is read at exact instants; the checks themselves are real HTTP calls on the checker's own threads, to {@code /ready} (a path the
 * scripted backend records and answers with its responder).
 */
class HealthCheckScheduleTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final ManualScheduler timers = new ManualScheduler();
    private final ExecutorService checkThreads = Executors.newFixedThreadPool(2, new NamedThreadFactory("test-health-checker", true));
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void releaseSlowChecks() {
        release.countDown();
    }

    private HealthChecker checker(BackendPool pool, Duration interval) {
        return new HealthChecker(pool, new HealthCheckConfig("/ready", interval, Duration.ofSeconds(20), 1, 1),
                Clock.systemUTC(), timers, checkThreads);
    }

    @Test
    void theFirstCheckIsDueAtOnceAndTheNextAnIntervalAfterItEnded() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.ok("ok"))) {
            Backend backend = backendAt(server);
            BackendPool pool = poolOf(backend);
            try (HealthChecker checker = checker(pool, INTERVAL)) {
                checker.start();
                assertEquals(Duration.ZERO, timers.untilNext(), "the first check is due at once");

                timers.runDue();
                until("the first check reported", WAIT, () -> backend.totalChecks() == 1);
                until("the next check timed", WAIT, () -> timers.pending() == 1);
                assertEquals(INTERVAL, timers.untilNext());

                timers.advance(INTERVAL);
                until("the second check reported", WAIT, () -> backend.totalChecks() == 2);
            }
        }
    }

    @Test
    void aRemovedBackendsChecksStop() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.ok("ok"))) {
            Backend backend = backendAt(server);
            BackendPool pool = poolOf(backend);
            try (HealthChecker checker = checker(pool, INTERVAL)) {
                checker.start();
                timers.runDue();
                until("the first check reported and the next timed", WAIT,
                        () -> backend.totalChecks() == 1 && timers.pending() == 1);

                checker.unwatch(backend);

                assertFalse(checker.watching(backend));
                assertNull(timers.untilNext(), "no check left to come");
                timers.advance(INTERVAL.multipliedBy(10));
                assertEquals(1, backend.totalChecks());
                assertEquals(1, server.requests().size(), "the backend was asked once");
            }
        }
    }

    @Test
    void aSlowCheckIsNeverRunTwiceAtOnceForOneBackend() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(slowThenOk())) {
            Backend backend = backendAt(server);
            BackendPool pool = poolOf(backend);
            try (HealthChecker checker = checker(pool, Duration.ofMillis(100))) {
                checker.start();
                timers.runDue();
                until("the first check reached the backend", WAIT, () -> server.requests().size() == 1);

                // many intervals pass, and a reload asks for a check at once, while the first hangs
                timers.advance(Duration.ofSeconds(5));
                checker.reconfigure(checker.config());
                timers.advance(Duration.ofSeconds(5));

                assertEquals(0, timers.pending(), "nothing timed while a check is under way");
                assertEquals(1, server.connections(), "one check at the backend");
                release.countDown();
                until("the slow check reported", WAIT, () -> backend.totalChecks() == 1);
                until("the check the reload asked for timed at once", WAIT, () -> timers.pending() == 1);
                assertEquals(Duration.ZERO, timers.untilNext());
            }
        }
    }

    @Test
    void closingTheCheckerStopsItsScheduleAndItsThreads() throws Exception {
        try (ScriptedBackend server = new ScriptedBackend(ScriptedBackend.ok("ok"))) {
            Backend backend = backendAt(server);
            HealthChecker checker = checker(poolOf(backend), INTERVAL);
            checker.start();

            checker.close();

            assertNull(timers.untilNext());
            assertTrue(checkThreads.awaitTermination(10, TimeUnit.SECONDS), "the check threads ended");
        }
    }

    /** Holds the first answer until the test releases it; answers the rest at once. */
    private ScriptedBackend.Responder slowThenOk() {
        ScriptedBackend.Responder ok = ScriptedBackend.ok("ok");
        return (request, socket, out) -> {
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            ok.respond(request, socket, out);
        };
    }

    private static BackendPool poolOf(Backend backend) {
        return new BackendPool(List.of(backend), new HealthPolicy(1, 1), Clock.systemUTC());
    }

    private static Backend backendAt(ScriptedBackend server) {
        URI url = URI.create(server.url());
        return new Backend(new ServerConfig(url, url.toString(), 1, true));
    }
}
