package dev.lb.balancer.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StripedHistogramTest {
    private final StripedHistogram histogram = new StripedHistogram(0.001, 0.005, 1, 30);

    @Test
    void aValueOnABoundCountsInThatBoundsBucket() {
        histogram.observe(0.001);
        histogram.observe(0.005);
        histogram.observe(Math.nextUp(0.005));
        histogram.observe(1);
        histogram.observe(30);
        histogram.observe(Math.nextUp(30.0));

        // Per bucket (not cumulative): le=0.001, 0.005, 1, 30, +Inf.
        assertArrayEquals(new long[] {1, 1, 2, 1, 1}, perBucket(histogram.snapshot(Labels.EMPTY)));
    }

    @Test
    void valuesBelowTheFirstBoundAndAboveTheLastLandInTheEndBuckets() {
        histogram.observe(0);
        histogram.observe(Double.MIN_VALUE);
        histogram.observe(Double.POSITIVE_INFINITY);

        assertArrayEquals(new long[] {2, 0, 0, 0, 1}, perBucket(histogram.snapshot(Labels.EMPTY)));
    }

    @Test
    void nanIsIgnoredSoItCannotPoisonTheSum() {
        histogram.observe(0.5);
        histogram.observe(Double.NaN);

        HistogramDataPointSnapshot snapshot = histogram.snapshot(Labels.EMPTY);
        assertEquals(1, snapshot.getCount());
        assertEquals(0.5, snapshot.getSum());
    }

    @Test
    void boundsThatAreNotFiniteAndStrictlyAscendingAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StripedHistogram(0.1, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new StripedHistogram(1, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new StripedHistogram(1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new StripedHistogram(Double.NaN));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentObservationsAreAllCountedAndScrapesInBetweenNeverGoBackwards() throws Exception {
        int threads = 4;
        int perThread = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> observers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread observer = new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    // 0.5 and 2 add up exactly in binary, so the expected sum is exact.
                    histogram.observe(i % 2 == 0 ? 0.5 : 2);
                }
            }, "observer-" + t);
            observer.start();
            observers.add(observer);
        }

        start.countDown();
        long[] previous = new long[5];
        while (observers.stream().anyMatch(Thread::isAlive)) {
            long[] now = perBucket(histogram.snapshot(Labels.EMPTY));
            for (int i = 0; i < now.length; i++) {
                assertTrue(now[i] >= previous[i], "bucket " + i + " went from " + previous[i] + " to " + now[i]);
            }
            previous = now;
        }
        for (Thread observer : observers) {
            observer.join();
        }

        HistogramDataPointSnapshot snapshot = histogram.snapshot(Labels.EMPTY);
        long half = (long) threads * perThread / 2;
        assertArrayEquals(new long[] {0, 0, half, half, 0}, perBucket(snapshot));
        assertEquals(threads * perThread, snapshot.getCount());
        assertEquals(half * 0.5 + half * 2.0, snapshot.getSum());
    }

    @Test
    void aSnapshotKeepsTheBoundsIncludingInfinity() {
        ClassicHistogramBuckets buckets = histogram.snapshot(Labels.EMPTY).getClassicBuckets();

        assertEquals(5, buckets.size());
        assertEquals(0.001, buckets.getUpperBound(0));
        assertEquals(30, buckets.getUpperBound(3));
        assertEquals(Double.POSITIVE_INFINITY, buckets.getUpperBound(4));
        assertFalse(histogram.snapshot(Labels.EMPTY).hasNativeHistogramData());
    }

    private static long[] perBucket(HistogramDataPointSnapshot snapshot) {
        ClassicHistogramBuckets buckets = snapshot.getClassicBuckets();
        long[] counts = new long[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.getCount(i);
        }
        return counts;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
