package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round-robin, as nginx does it: over every run of (sum of weights) requests each
 * candidate gets exactly its weight's share, and the turns are interleaved rather than bunched (weights
 * 3 and 1 give A A B A, not A A A B). Requests take turns from one shared counter; the order for a set
 * of candidates and weights is computed once and cached, so a request reads it without locking.
 */
public final class RoundRobin implements SelectionStrategy {
    /** Above this many turns per cycle the order is not precomputed; turns are then handed out in blocks. */
    static final int MAX_SCHEDULE = 4096;

    private final AtomicLong counter = new AtomicLong();
    private volatile Schedule schedule;

    @Override
    public Optional<Backend> select(List<Backend> candidates) {
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(nextIndex(candidates)));
    }

    /** The index in {@code candidates} (not empty) whose turn it is. */
    int nextIndex(List<Backend> candidates) {
        long turn = counter.getAndIncrement();
        Schedule current = schedule;
        if (current == null || !current.isFor(candidates)) {
            current = Schedule.of(candidates);
            if (current != null) {
                schedule = current;
            }
        }
        if (current != null) {
            return current.order[(int) Math.floorMod(turn, (long) current.order.length)];
        }
        return blockTurn(candidates, turn);
    }

    /** Fallback for very large total weights: each candidate gets its weight in consecutive turns. */
    private static int blockTurn(List<Backend> candidates, long turn) {
        long total = 0;
        for (Backend b : candidates) {
            total += b.weight();
        }
        if (total <= 0) {
            return (int) Math.floorMod(turn, (long) candidates.size());
        }
        long point = Math.floorMod(turn, total);
        for (int i = 0; i < candidates.size(); i++) {
            point -= candidates.get(i).weight();
            if (point < 0) {
                return i;
            }
        }
        return candidates.size() - 1;
    }

    @Override
    public String name() {
        return "round-robin";
    }

    /** The interleaved order of one cycle for one candidate list with the weights it had then. */
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

        /** Same list instance (the pool replaces it on every change) and unchanged weights. */
        boolean isFor(List<Backend> list) {
            if (list != candidates) {
                return false;
            }
            for (int i = 0; i < weights.length; i++) {
                if (candidates.get(i).weight() != weights[i]) {
                    return false;
                }
            }
            return true;
        }

        /** nginx's smooth weighted round-robin, run for one cycle; null when the cycle is too long. */
        static Schedule of(List<Backend> candidates) {
            int n = candidates.size();
            int[] weights = new int[n];
            long total = 0;
            for (int i = 0; i < n; i++) {
                // A weight read as 0 (changed meanwhile) still gets one turn: the list says it is a candidate.
                weights[i] = Math.max(1, candidates.get(i).weight());
                total += weights[i];
            }
            if (total > MAX_SCHEDULE) {
                return null;
            }
            int[] order = new int[(int) total];
            long[] current = new long[n];
            for (int turn = 0; turn < total; turn++) {
                int best = 0;
                for (int i = 0; i < n; i++) {
                    current[i] += weights[i];
                    if (current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                order[turn] = best;
            }
            for (int i = 0; i < n; i++) {
                weights[i] = candidates.get(i).weight();
            }
            return new Schedule(candidates, weights, order);
        }
    }
}
