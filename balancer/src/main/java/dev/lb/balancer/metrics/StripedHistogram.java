package dev.lb.balancer.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

import java.util.Arrays;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * One classic histogram series whose {@link #observe} touches only striped adders: one bucket's
 * {@link LongAdder} and the sum's {@link DoubleAdder}. It exists because the client library's
 * {@code Histogram}, correct as it is, runs every observation through a scrape-consistency protocol
 * that bumps one atomic shared by all request threads; with metrics on, the benchmark measured a cost
 * in requests per second (docs/performance.md), and that shared atomic is the part of it this avoids.
 */
final class StripedHistogram {
    /** Upper bounds, ascending, the last one {@code +Inf}. */
    private final double[] upperBounds;
    /** Per bucket, not cumulative: {@code buckets[i]} counts values in (bound i-1, bound i]. */
    private final LongAdder[] buckets;
    private final DoubleAdder sum = new DoubleAdder();
    /** What the library reports as the series' creation time (OpenMetrics {@code _created}). */
    private final long createdMillis = System.currentTimeMillis();

    /**
     * @param finiteUpperBounds bucket upper bounds, strictly ascending and finite; a {@code +Inf}
     *                          bucket is always added after them
     */
    StripedHistogram(double... finiteUpperBounds) {
        checkBounds(finiteUpperBounds);
        upperBounds = Arrays.copyOf(finiteUpperBounds, finiteUpperBounds.length + 1);
        upperBounds[finiteUpperBounds.length] = Double.POSITIVE_INFINITY;
        buckets = new LongAdder[upperBounds.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** @throws IllegalArgumentException unless the bounds are finite and strictly ascending */
    static void checkBounds(double... finiteUpperBounds) {
        for (int i = 0; i < finiteUpperBounds.length; i++) {
            double bound = finiteUpperBounds[i];
            if (!Double.isFinite(bound) || i > 0 && bound <= finiteUpperBounds[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must be finite and strictly ascending: "
                        + Arrays.toString(finiteUpperBounds));
            }
        }
    }

    /**
     * Counts {@code value} in the first bucket whose upper bound is {@code >=} it (Prometheus {@code le}
     * semantics). Lock-free and allocation-free; NaN is ignored, as the library does, so it cannot
     * poison the sum.
     */
    void observe(double value) {
        if (Double.isNaN(value)) {
            return;
        }
        // A linear scan: there are few bounds, latencies mostly land in the first ones, and the last
        // bound is +Inf, so the loop always stops inside the array.
        int i = 0;
        while (value > upperBounds[i]) {
            i++;
        }
        buckets[i].increment();
        sum.add(value);
    }

    /** Observations per bucket, not cumulative, read without a lock (see {@link #snapshot}). */
    long[] counts() {
        long[] counts = new long[buckets.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets[i].sum();
        }
        return counts;
    }

    /**
     * The series as the library's classic histogram would report it. Read without a lock while requests
     * keep observing, so an observation made during the read may be in some buckets' view and not in the
     * sum, or the other way round: {@code _count} (the total of the buckets, so always equal to the
     * {@code +Inf} bucket) and {@code _sum} can disagree by the few observations in flight. Prometheus
     * tolerates that skew; ruling it out is what costs the library's histogram a shared atomic per
     * observation.
     */
    HistogramDataPointSnapshot snapshot(Labels labels) {
        long[] counts = counts();
        return new HistogramDataPointSnapshot(ClassicHistogramBuckets.of(upperBounds, counts), sum.sum(),
                labels, Exemplars.EMPTY, createdMillis);
    }
}
