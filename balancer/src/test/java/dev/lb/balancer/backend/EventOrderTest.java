package dev.lb.balancer.backend;

import dev.lb.balancer.config.ServerConfig;
import dev.lb.testing.Await;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every change of the pool is published from its control context, in the order the changes were made. */
class EventOrderTest {
    private final Backend a = new Backend(new ServerConfig(URI.create("http://a:80"), "a", 1, true));
    private final Backend b = new Backend(new ServerConfig(URI.create("http://b:80"), "b", 1, true));
    private final BackendPool pool = new BackendPool(List.of(a, b), new HealthPolicy(1, 1), Clock.systemUTC());
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Boolean> inContext = new CopyOnWriteArrayList<>();

    EventOrderTest() {
        pool.addListener(new BackendListener() {
            @Override
            public void onHealthChange(HealthEvent event) {
                record(event.backend() + " " + event.to());
            }

            @Override
            public void onAdminChange(AdminEvent event) {
                record(event.backend() + " " + event.change());
            }
        });
    }

    private void record(String event) {
        inContext.add(pool.control().inContext());
        events.add(event);
    }

    @Test
    void aDrainEndedByARequestThreadIsPublishedFromTheContextAfterTheChangesBeforeIt() throws Exception {
        a.acquire();
        pool.adminState(a, AdminState.DRAINING, "ops");
        pool.weight(b, 3, "ops");

        Thread request = new Thread(a::release, "test-request");
        request.start();
        request.join(20_000);
        Await.until("DRAINED to be published", Duration.ofSeconds(20), () -> events.contains("a DRAINED"));
        pool.reportCheck(b, new CheckResult(false, "HTTP 503", Instant.now(), Duration.ZERO));

        assertEquals(List.of("a STATE", "b WEIGHT", "a DRAINED", "b DOWN"), events);
        assertTrue(inContext.stream().allMatch(Boolean::booleanValue), "every event from inside the context");
    }

    @Test
    void eachChangeReplacesTheSnapshotWithOneThatCarriesTheWeights() {
        PoolSnapshot before = pool.snapshot();

        pool.weight(b, 5, "ops");

        PoolSnapshot after = pool.snapshot();
        assertNotSame(before.available(), after.available(), "a weight change is a new snapshot");
        assertEquals(before.version() + 1, after.version());
        assertEquals(5, after.weight(after.available().indexOf(b)));
        assertEquals(1, before.weight(before.available().indexOf(b)), "an old snapshot never changes");
    }
}
