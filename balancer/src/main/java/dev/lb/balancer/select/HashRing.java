package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

import java.util.Arrays;
import java.util.List;

/**
 * A consistent-hash ring over one set of backends: each backend owns points in proportion to its
 * weight ({@value #POINTS_PER_BACKEND} for an average weight), and a key belongs to the first point at
 * or after its hash. Adding or removing one of N backends therefore moves about 1/N of the keys, those
 * next to its points, and no others. A backend's points are always the first ones of its own sequence,
 * so a weight change adds or drops points of that backend only.
 *
 * <p>Immutable: built once per pool snapshot, read by any number of request threads.
 */
final class HashRing {
    /** Ketama's number: the spread of keys over backends is within a few percent of their weights. */
    static final int POINTS_PER_BACKEND = 160;
    /** Ring points carry their owner's index in the low bits, under the point's position. */
    private static final int INDEX_BITS = 16;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final List<Backend> members;
    /** Sorted; each is a position (high 48 bits) with its owner's index in {@link #members} (low 16). */
    private final long[] points;

    private HashRing(List<Backend> members, long[] points) {
        this.members = members;
        this.points = points;
    }

    /** The ring for these backends with these weights (by index). */
    static HashRing of(List<Backend> members, int[] weightsByIndex) {
        int n = Math.min(members.size(), 1 << INDEX_BITS);
        int[] weights = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.max(1, weightsByIndex[i]);
            total += weights[i];
        }
        long[] counts = new long[n];
        long size = 0;
        for (int i = 0; i < n; i++) {
            counts[i] = Math.max(1, Math.round((double) POINTS_PER_BACKEND * n * weights[i] / total));
            size += counts[i];
        }
        long[] points = new long[(int) size];
        int at = 0;
        for (int i = 0; i < n; i++) {
            String base = members.get(i).url() + "#";
            for (int j = 0; j < counts[i]; j++) {
                points[at++] = (KeyHash.of(base + j) & ~INDEX_MASK) | i;
            }
        }
        Arrays.sort(points);
        return new HashRing(List.copyOf(members.subList(0, n)), points);
    }

    List<Backend> members() {
        return members;
    }

    /** The index in {@link #points} where a key with this hash starts its walk. */
    int start(long keyHash) {
        long position = keyHash & ~INDEX_MASK;
        int i = Arrays.binarySearch(points, position);
        if (i < 0) {
            i = -i - 1;
        }
        return i == points.length ? 0 : i;
    }

    int size() {
        return points.length;
    }

    /** The backend owning point {@code i} (taken modulo the ring's size). */
    Backend owner(int i) {
        return members.get((int) (points[i % points.length] & INDEX_MASK));
    }

    /** The owner's index in {@link #members()}. */
    int ownerIndex(int i) {
        return (int) (points[i % points.length] & INDEX_MASK);
    }
}
