package dev.lb.balancer.page;

/** Percentiles estimated from bucket counts, the way Prometheus's {@code histogram_quantile} does. */
final class Quantiles {
    private Quantiles() {
    }

    /**
     * The {@code q} quantile of values counted in {@code buckets}, interpolated linearly inside the
     * bucket it falls in; the last bucket has no upper bound, so a quantile there is the last bound.
     *
     * @param buckets counts per bucket, not cumulative, one more than {@code bounds}
     * @param bounds  the finite upper bounds, ascending
     * @return NaN when nothing was counted
     */
    static double quantile(double q, long[] buckets, double[] bounds) {
        long total = 0;
        for (long count : buckets) {
            total += Math.max(0, count);
        }
        if (total == 0) {
            return Double.NaN;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < buckets.length; i++) {
            long here = Math.max(0, buckets[i]);
            if (below + here >= rank && here > 0) {
                if (i >= bounds.length) {
                    return bounds[bounds.length - 1];
                }
                double lower = i == 0 ? 0 : bounds[i - 1];
                return lower + (bounds[i] - lower) * (rank - below) / here;
            }
            below += here;
        }
        return bounds[bounds.length - 1];
    }
}
