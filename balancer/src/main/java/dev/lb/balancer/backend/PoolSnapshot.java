package dev.lb.balancer.backend;

import java.util.List;

/**
 * The pool as of one change: every backend, the ones in rotation, and the weights those had when the
 * change was made. Immutable; the pool replaces it whole on every change, so a request thread reads
 * one consistent view with one volatile read, and a selection strategy builds its selector once per
 * snapshot ({@code SelectionStrategy.selectorFor}): a new snapshot, weight changes included, is a new
 * instance, so comparing references tells whether a selector is still the right one.
 *
 * @param version   0 at start, one more for every change
 * @param all       every backend, in config order, runtime additions last
 * @param available the backends that may take a new request
 * @param weights   the weight of each backend of {@code available}, by index, as of this change
 */
public record PoolSnapshot(long version, List<Backend> all, List<Backend> available, int[] weights) {

    static PoolSnapshot of(long version, List<Backend> all, List<Backend> available) {
        int[] weights = new int[available.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = available.get(i).weight();
        }
        return new PoolSnapshot(version, all, available, weights);
    }

    /**
     * A snapshot of {@code backends} alone, all of them in rotation with the weights they have now: for
     * choosing among a list that no pool published (a strategy given a plain list, a test).
     */
    public static PoolSnapshot ofRotation(List<Backend> backends) {
        return of(0, backends, backends);
    }

    /** A copy: the snapshot itself never changes. */
    @Override
    public int[] weights() {
        return weights.clone();
    }

    /** The weight {@code available.get(index)} had when this snapshot was taken. */
    public int weight(int index) {
        return weights[index];
    }
}
