package dev.lb.balancer.backend;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendPoolTest {
    private final Backend a = backend(1);
    private final Backend b = backend(2);
    private final BackendPool pool = new BackendPool(List.of(a, b), new HealthPolicy(2, 2), Clock.systemUTC());
    private final List<HealthEvent> events = new ArrayList<>();

    BackendPoolTest() {
        pool.addListener(events::add);
    }

    @Test
    void failingChecksTakeABackendOutOfRotationAndPublishTheReason() {
        pool.reportCheck(a, ok()); // first check: stays UP
        pool.reportCheck(a, failed("HTTP 503"));
        assertEquals(List.of(a, b), pool.available());

        pool.reportCheck(a, failed("HTTP 503"));

        assertEquals(List.of(b), pool.available());
        assertEquals(1, events.size());
        HealthEvent event = events.get(0);
        assertEquals(HealthState.UP, event.from());
        assertEquals(HealthState.DOWN, event.to());
        assertEquals("HTTP 503", event.reason());
        assertEquals(a.url().toString(), event.url());
        assertEquals(2, a.consecutiveFailures());
        assertEquals("HTTP 503", a.lastError());
    }

    @Test
    void anUnreachableBackendSeenByARequestLeavesAtOnceAndChecksBringItBack() {
        pool.reportCheck(a, ok());

        pool.reportUnreachable(a, "connection refused");
        assertEquals(List.of(b), pool.available());

        pool.reportCheck(a, ok());
        assertEquals(List.of(b), pool.available(), "one success is below the threshold of 2");
        pool.reportCheck(a, ok());
        assertEquals(List.of(a, b), pool.available());
        assertEquals(List.of(HealthState.DOWN, HealthState.UP), events.stream().map(HealthEvent::to).toList());
        assertTrue(events.get(0).reason().contains("connection refused"));
    }

    @Test
    void historyKeepsTheLastTwentyChanges() {
        pool.reportCheck(a, ok());
        for (int i = 0; i < 15; i++) {
            pool.reportUnreachable(a, "refused " + i);
            pool.reportCheck(a, ok());
            pool.reportCheck(a, ok());
        }

        List<HealthEvent> history = a.history();
        assertEquals(Backend.HISTORY_SIZE, history.size());
        assertEquals(HealthState.UP, history.get(history.size() - 1).to());
        assertTrue(history.get(history.size() - 2).reason().startsWith("refused 14"));
    }

    @Test
    void findsBackendsByNameOrUrl() {
        assertEquals(a, pool.find(a.url().toString()).orElseThrow());
        assertTrue(pool.find("http://nowhere:1").isEmpty());
    }

    private static CheckResult ok() {
        return new CheckResult(true, "HTTP 200", Instant.now(), Duration.ofMillis(1));
    }

    private static CheckResult failed(String reason) {
        return new CheckResult(false, reason, Instant.now(), Duration.ofMillis(1));
    }
}
