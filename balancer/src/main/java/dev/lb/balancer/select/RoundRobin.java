package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round-robin, as nginx does it: over every run of (sum of weights) requests each
 * candidate gets exactly its weight's share, and the turns are interleaved rather than bunched (weights
 * 3 and 1 give A A B A, not A A A B). Requests take turns from one shared counter; the order of one
 * cycle is computed once per snapshot (Armeria's {@code WeightedRoundRobinStrategy} precomputes its
 * {@code EndpointsAndWeights} the same way), so a pick is an increment and a lookup.
 */
public final class RoundRobin implements SelectionStrategy {
    /** Above this many turns per cycle the order is not precomputed; turns are then handed out in blocks. */
    static final int MAX_SCHEDULE = 4096;

    /** Turns, shared by the selectors of every snapshot: a change does not restart the cycle. */
    private final AtomicLong counter = new AtomicLong();
    private final ListSelectors lists = new ListSelectors(this::selectorFor);

    @Override
    public Turns selectorFor(PoolSnapshot snapshot) {
        return new Turns(snapshot, Schedule.of(snapshot.available(), snapshot.weights()), counter);
    }

    @Override
    public Optional<Backend> select(List<Backend> candidates, Placement placement) {
        return lists.forList(candidates).pick(candidates, placement);
    }

    @Override
    public String name() {
        return "round-robin";
    }

    /**
     * Round-robin over one snapshot: the cycle of its rotation, built with the selector, and the cycle
     * of the last subset picked from (the rotation without the backends at their cap), rebuilt only
     * when the subset changes.
     */
    static final class Turns implements Selector {
        private final PoolSnapshot snapshot;
        /** The snapshot's weights, for turns handed out in blocks. */
        private final int[] weights;
        /** The cycle over the whole rotation; null when it is too long to precompute. */
        private final Schedule schedule;
        private final AtomicLong counter;
        /** The cycle of the last subset picked from; replaced whole, read without a lock. */
        private volatile Schedule subset;

        private Turns(PoolSnapshot snapshot, Schedule schedule, AtomicLong counter) {
            this.snapshot = snapshot;
            this.weights = snapshot.weights();
            this.schedule = schedule;
            this.counter = counter;
        }

        @Override
        public PoolSnapshot snapshot() {
            return snapshot;
        }

        @Override
        public Optional<Backend> pick(List<Backend> candidates, Placement placement) {
            return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(nextIndex(candidates)));
        }

        /** The index in {@code candidates} (not empty) whose turn it is. */
        int nextIndex(List<Backend> candidates) {
            long turn = counter.getAndIncrement();
            if (candidates == snapshot.available()) {
                return schedule != null ? schedule.at(turn) : blockTurn(weights, turn);
            }
            Schedule current = subset;
            if (current == null || !current.isFor(candidates)) {
                int[] weightsNow = weightsNow(candidates);
                current = Schedule.of(candidates, weightsNow);
                if (current == null) {
                    return blockTurn(weightsNow, turn); // too long a cycle to precompute
                }
                subset = current;
            }
            return current.at(turn);
        }
    }

    /**
     * The weights of a subset of a snapshot's rotation: each backend's weight now, which is its weight
     * in the snapshot unless an operator changed it this instant, when the next snapshot follows.
     */
    private static int[] weightsNow(List<Backend> candidates) {
        int[] weights = new int[candidates.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = candidates.get(i).weight();
        }
        return weights;
    }

    /** Fallback for very large total weights: each candidate gets its weight in consecutive turns. */
    private static int blockTurn(int[] weights, long turn) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        if (total <= 0) {
            return (int) Math.floorMod(turn, (long) weights.length);
        }
        long point = Math.floorMod(turn, total);
        for (int i = 0; i < weights.length; i++) {
            point -= weights[i];
            if (point < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** The interleaved order of one cycle for one list of backends with the weights given. */
    private static final class Schedule {
        final List<Backend> candidates;
        final int[] weights;
        /** Indexes into {@link #candidates}, one per turn of the cycle. */
        final int[] order;

        private Schedule(List<Backend> candidates, int[] weights, int[] order) {
            this.candidates = candidates;
            this.weights = weights;
            this.order = order;
        }

        /** The index whose turn {@code turn} is. */
        int at(long turn) {
            return order[(int) Math.floorMod(turn, (long) order.length)];
        }

        /** The same backends in the same order (any list instance), none of them weighted anew since. */
        boolean isFor(List<Backend> list) {
            if (list == candidates) {
                return sameWeights(list);
            }
            if (list.size() != candidates.size()) {
                return false;
            }
            for (int i = 0; i < weights.length; i++) {
                if (list.get(i) != candidates.get(i)) {
                    return false;
                }
            }
            return sameWeights(list);
        }

        private boolean sameWeights(List<Backend> list) {
            for (int i = 0; i < weights.length; i++) {
                if (list.get(i).weight() != weights[i]) {
                    return false;
                }
            }
            return true;
        }

        /** nginx's smooth weighted round-robin, run for one cycle; null when the cycle is too long. */
        static Schedule of(List<Backend> candidates, int[] weights) {
            int n = candidates.size();
            int[] turns = new int[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                // A weight of 0 (changed meanwhile) still gets one turn: the list says it is a candidate.
                turns[i] = Math.max(1, weights[i]);
                total += turns[i];
            }
            if (total > MAX_SCHEDULE || n == 0) {
                return null;
            }
            int[] order = new int[(int) total];
            long[] current = new long[n];
            for (int turn = 0; turn < total; turn++) {
                int best = 0;
                for (int i = 0; i < n; i++) {
                    current[i] += turns[i];
                    if (current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                order[turn] = best;
            }
            return new Schedule(candidates, weights.clone(), order);
        }
    }
}
