package dev.lb.balancer.page;

import dev.lb.balancer.metrics.BalancerMetrics;
import dev.lb.balancer.metrics.Counts;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateRingTest {
    private static final double[] BOUNDS = BalancerMetrics.latencyBounds();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** {@code requests} answers, {@code errors} of them failed, all in the bucket of {@code bucket}. */
    private static Counts counts(long requests, long errors, int bucket) {
        long[] buckets = new long[BOUNDS.length + 1];
        buckets[bucket] = requests;
        return new Counts(requests, errors, buckets);
    }

    @Test
    void nowIsTheRateOverTheReadingsHeld() {
        // given 20 requests a second, one in ten failing, all between 5 and 10 ms
        RateRing ring = new RateRing(BOUNDS);
        for (int s = 0; s <= 20; s++) {
            ring.add(T0.plusSeconds(s), counts(20L * s, 2L * s, 3));
        }

        // then the last ten seconds say so
        RateRing.Rates now = ring.now();
        assertEquals(20, now.perSecond(), 1e-9);
        assertEquals(0.1, now.errorRatio(), 1e-9);
        assertTrue(now.p99Seconds() > 0.005 && now.p99Seconds() <= 0.010, "p99 " + now.p99Seconds());
        assertTrue(now.p50Seconds() > 0.005 && now.p50Seconds() < now.p99Seconds(), "p50 " + now.p50Seconds());
    }

    @Test
    void beforeTwoReadingsAndWithoutTrafficThereIsNoLatencyOrErrorRatio() {
        RateRing ring = new RateRing(BOUNDS);
        assertEquals(RateRing.Rates.NONE, ring.now());
        ring.add(T0, Counts.NONE);
        ring.add(T0.plusSeconds(1), Counts.NONE);

        RateRing.Rates idle = ring.now();
        assertEquals(0, idle.perSecond());
        assertTrue(Double.isNaN(idle.errorRatio()) && Double.isNaN(idle.p99Seconds()));
    }

    @Test
    void aPointEveryFiveReadingsKeepingTheLastFiveMinutes() {
        RateRing ring = new RateRing(BOUNDS);
        int readings = 1 + RateRing.POINT_READINGS * (RateRing.POINTS + 10);
        for (int s = 0; s < readings; s++) {
            ring.add(T0.plusSeconds(s), counts(10L * s, 0, 0));
        }

        var points = ring.points();
        assertEquals(RateRing.POINTS, points.size(), "bounded: the oldest points went");
        assertEquals(T0.plusSeconds(readings - 1), points.get(points.size() - 1).at());
        assertEquals(T0.plusSeconds(readings - 1 - (RateRing.POINTS - 1) * RateRing.POINT_READINGS), points.get(0).at());
        points.forEach(p -> assertEquals(10, p.perSecond(), 1e-9));
    }

    @Test
    void countersStartingAgainNeverGiveANegativeRate() {
        RateRing ring = new RateRing(BOUNDS);
        ring.add(T0, counts(100, 10, 2));
        ring.add(T0.plusSeconds(1), counts(5, 0, 2));
        assertEquals(0, ring.now().perSecond());
    }

    @Test
    void quantilesInterpolateInsideTheBucketLikeHistogramQuantile() {
        long[] buckets = new long[BOUNDS.length + 1];
        buckets[1] = 100; // (1 ms, 2.5 ms]
        assertEquals(0.001 + 0.0015 * 0.5, Quantiles.quantile(0.5, buckets, BOUNDS), 1e-12);
        buckets[BOUNDS.length] = 1000; // above the last bound
        assertEquals(BOUNDS[BOUNDS.length - 1], Quantiles.quantile(0.99, buckets, BOUNDS));
    }
}
