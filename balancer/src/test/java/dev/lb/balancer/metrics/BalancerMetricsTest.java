package dev.lb.balancer.metrics;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.proxy.RetryPolicy;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The request-path updates as Prometheus sees them, without servers: the observer is called directly. */
class BalancerMetricsTest {
    private static final String BACKEND_DURATION = "lb_backend_request_duration_seconds";

    private final Backend a = backend(1);
    private final Backend b = backend(2);
    private final BackendPool pool = new BackendPool(List.of(a, b), new HealthPolicy(2, 2), Clock.systemUTC());
    private final BalancerMetrics metrics = new BalancerMetrics(pool);

    @Test
    void requestsAndAttemptsAreObservedInTheirHistograms() throws Exception {
        long started = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(3);
        metrics.attemptEnded(a, 502, started);
        metrics.retried(a, RetryPolicy.Decision.OTHER_BACKEND);
        metrics.attemptEnded(b, 200, started);
        metrics.exchangeEnded(200, started);

        Exposition exposition = scrape();

        assertEquals("histogram", exposition.family("lb_request_duration_seconds").type());
        assertEquals("histogram", exposition.family(BACKEND_DURATION).type());
        assertEquals(1, exposition.value("lb_request_duration_seconds_count"));
        assertEquals(0, exposition.value("lb_request_duration_seconds_bucket", "le", "0.0025"),
                "the request took at least 3 ms");
        assertEquals(1, exposition.value(BACKEND_DURATION + "_count", "backend", a.name()));
        assertEquals(1, exposition.value(BACKEND_DURATION + "_bucket", "backend", b.name(), "le", "+Inf"));
        assertEquals(1, exposition.value("lb_retries_total", "backend", a.name(), "reason", "other_backend"));
    }

    @Test
    void aRemovedBackendsHistogramLeavesAndAnAttemptThatOutlivedTheRemovalDoesNotBringItBack() throws Exception {
        long started = System.nanoTime();
        metrics.attemptEnded(a, 200, started);
        metrics.attemptEnded(b, 200, started);
        assertEquals(1, scrape().value(BACKEND_DURATION + "_count", "backend", b.name()));

        pool.remove(b, "test");
        metrics.attemptEnded(b, 200, started);
        metrics.retried(b, RetryPolicy.Decision.OTHER_BACKEND);

        Exposition exposition = scrape();
        assertFalse(exposition.family(BACKEND_DURATION).samples().stream()
                .anyMatch(s -> b.name().equals(s.labels().get("backend"))));
        assertEquals(0, exposition.sum("lb_backend_requests_total", "backend", b.name()));
        assertEquals(0, exposition.sum("lb_retries_total", "backend", b.name()));
        assertEquals(1, exposition.value(BACKEND_DURATION + "_count", "backend", a.name()));
    }

    private Exposition scrape() throws Exception {
        return Exposition.parse(Exposition.text(metrics.registry()));
    }
}
