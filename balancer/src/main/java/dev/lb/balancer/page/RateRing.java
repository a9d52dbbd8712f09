package dev.lb.balancer.page;

import dev.lb.balancer.metrics.Counts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One series' recent rates and latency, from cumulative readings taken once a second: the "now"
 * numbers over the last {@value #NOW_READINGS} readings, and a sparkline point every
 * {@value #POINT_READINGS} readings for the last {@value #POINTS} points (five minutes). Memory is
 * fixed: {@value #NOW_READINGS} + 1 readings and {@value #POINTS} points, whatever the traffic.
 *
 * <p>Written by the status page's sampler thread, read by the threads serving the page; its own
 * monitor guards both rings, and request threads never touch it (they only bump the metrics' adders).
 */
final class RateRing {
    static final int NOW_READINGS = 10;
    static final int POINT_READINGS = 5;
    static final int POINTS = 60;

    /** Request rate, share of errors (5xx or no answer) and latency percentiles; NaN where nothing was counted. */
    record Rates(double perSecond, double errorRatio, double p50Seconds, double p99Seconds) {
        static final Rates NONE = new Rates(0, Double.NaN, Double.NaN, Double.NaN);
    }

    /** One sparkline point: requests per second and p99 (NaN: no request) over the readings before {@code at}. */
    record Point(Instant at, double perSecond, double p99Seconds) {
    }

    private record Reading(Instant at, Counts counts) {
    }

    private final double[] bounds;
    private final Reading[] readings = new Reading[NOW_READINGS + 1];
    /** Readings taken so far (all of them, not only those still held). */
    private long taken;
    private final Point[] points = new Point[POINTS];
    private long pointsMade;

    RateRing(double[] bounds) {
        this.bounds = bounds.clone();
    }

    /** Takes one reading; every {@value #POINT_READINGS}th also makes a sparkline point. */
    synchronized void add(Instant at, Counts counts) {
        readings[(int) (taken % readings.length)] = new Reading(at, counts);
        taken++;
        if (taken > POINT_READINGS && taken % POINT_READINGS == 1) {
            Reading then = back(POINT_READINGS);
            Rates rates = between(then, back(0));
            points[(int) (pointsMade % POINTS)] = new Point(at, rates.perSecond(), rates.p99Seconds());
            pointsMade++;
        }
    }

    /** Over the readings held (up to {@value #NOW_READINGS} seconds); {@link Rates#NONE} before two readings. */
    synchronized Rates now() {
        if (taken < 2) {
            return Rates.NONE;
        }
        return between(back((int) Math.min(taken - 1, NOW_READINGS)), back(0));
    }

    /** The sparkline, oldest point first. */
    synchronized List<Point> points() {
        int held = (int) Math.min(pointsMade, POINTS);
        List<Point> list = new ArrayList<>(held);
        for (long i = pointsMade - held; i < pointsMade; i++) {
            list.add(points[(int) (i % POINTS)]);
        }
        return list;
    }

    /** The reading {@code n} before the newest. */
    private Reading back(int n) {
        return readings[(int) ((taken - 1 - n) % readings.length)];
    }

    private Rates between(Reading earlier, Reading later) {
        double seconds = Duration.between(earlier.at(), later.at()).toNanos() / 1e9;
        Counts delta = later.counts().minus(earlier.counts());
        // A backend removed and added again starts from zero: never report a negative rate.
        long requests = Math.max(0, delta.requests());
        double perSecond = seconds > 0 ? requests / seconds : 0;
        double errorRatio = requests > 0 ? Math.max(0, delta.errors()) / (double) requests : Double.NaN;
        long[] buckets = delta.buckets();
        return new Rates(perSecond, errorRatio, Quantiles.quantile(0.5, buckets, bounds),
                Quantiles.quantile(0.99, buckets, bounds));
    }
}
