package dev.lb.balancer.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MetricType;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A histogram metric family of {@link StripedHistogram} series, one per set of label values, exposed
 * through the library's registry with the same exposition as its classic-only {@code Histogram}.
 * Callers keep the series they get from {@link #series} so that observing does no label lookup.
 */
final class HistogramFamily implements Collector {
    private final MetricMetadata metadata;
    private final String[] labelNames;
    private final double[] upperBounds;
    private final ConcurrentMap<Labels, StripedHistogram> series = new ConcurrentHashMap<>();

    /**
     * @param upperBounds finite bucket upper bounds, strictly ascending ({@code +Inf} is added)
     */
    HistogramFamily(String name, String help, double[] upperBounds, String... labelNames) {
        this.metadata = new MetricMetadata(name, help);
        this.labelNames = labelNames.clone();
        StripedHistogram.checkBounds(upperBounds); // now, not at a request that creates the first series
        this.upperBounds = upperBounds.clone();
    }

    /** The series for these label values (in the order of the label names), created on first use. */
    StripedHistogram series(String... labelValues) {
        return series.computeIfAbsent(labels(labelValues), l -> new StripedHistogram(upperBounds));
    }

    /**
     * Drops the series from the exposition. Whoever still holds it may keep observing into it; those
     * observations are no longer exposed, and a later {@link #series} call starts a new one from zero.
     */
    void remove(String... labelValues) {
        series.remove(labels(labelValues));
    }

    private Labels labels(String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException(metadata.getName() + " takes " + labelNames.length
                    + " label values, got " + labelValues.length);
        }
        return Labels.of(labelNames, labelValues);
    }

    @Override
    public HistogramSnapshot collect() {
        List<HistogramDataPointSnapshot> points = new ArrayList<>(series.size());
        series.forEach((labels, histogram) -> points.add(histogram.snapshot(labels)));
        return new HistogramSnapshot(metadata, points);
    }

    @Override
    public String getPrometheusName() {
        return metadata.getPrometheusName();
    }

    @Override
    public MetricType getMetricType() {
        return MetricType.HISTOGRAM;
    }

    @Override
    public Set<String> getLabelNames() {
        return Set.of(labelNames);
    }

    @Override
    public MetricMetadata getMetadata() {
        return metadata;
    }
}
