package dev.lb.balancer.metrics;

import java.util.Arrays;

/**
 * Cumulative counts of one series of exchanges, read from the metrics for the status page's rates and
 * percentiles: two readings subtracted give what happened between them.
 *
 * @param requests answers counted, whatever their status
 * @param errors   answers with a 5xx status or no answer at all
 * @param buckets  latencies per bucket of {@link BalancerMetrics#latencyBounds()}, not cumulative, the
 *                 last one for anything above the last bound
 */
public record Counts(long requests, long errors, long[] buckets) {
    /** Nothing counted yet. */
    public static final Counts NONE = new Counts(0, 0, new long[BalancerMetrics.LATENCY_BUCKETS.length + 1]);

    public Counts {
        buckets = buckets.clone();
    }

    @Override
    public long[] buckets() {
        return buckets.clone();
    }

    /** What was counted after {@code earlier}. */
    public Counts minus(Counts earlier) {
        long[] delta = new long[buckets.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = buckets[i] - earlier.buckets[i];
        }
        return new Counts(requests - earlier.requests, errors - earlier.errors, delta);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Counts c && requests == c.requests && errors == c.errors && Arrays.equals(buckets, c.buckets);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(requests) + 17 * Long.hashCode(errors) + Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        return "Counts[requests=" + requests + ", errors=" + errors + ", buckets=" + Arrays.toString(buckets) + "]";
    }
}
