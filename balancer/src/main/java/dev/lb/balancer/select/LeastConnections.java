package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.Optional;

/**
 * Weighted least-connections: the candidate with the fewest requests in flight per unit of weight.
 * Ties go to the candidate whose weighted round-robin turn it is (as nginx's least_conn does), so
 * equally loaded backends share the work by weight instead of the first one in the list taking it all.
 * The turns come from round-robin's per-snapshot cycle; the loads are read at each pick.
 */
public final class LeastConnections implements SelectionStrategy {
    private final RoundRobin turns = new RoundRobin();
    private final ListSelectors lists = new ListSelectors(this::selectorFor);

    @Override
    public Loads selectorFor(PoolSnapshot snapshot) {
        return new Loads(turns.selectorFor(snapshot));
    }

    @Override
    public Optional<Backend> select(List<Backend> candidates, Placement placement) {
        return lists.forList(candidates).pick(candidates, placement);
    }

    @Override
    public String name() {
        return "least-connections";
    }

    /** Least-connections over one snapshot: its round-robin turns break ties. */
    static final class Loads implements Selector {
        private final RoundRobin.Turns turns;

        private Loads(RoundRobin.Turns turns) {
            this.turns = turns;
        }

        @Override
        public PoolSnapshot snapshot() {
            return turns.snapshot();
        }

        @Override
        public Optional<Backend> pick(List<Backend> candidates, Placement placement) {
            int n = candidates.size();
            if (n == 0) {
                return Optional.empty();
            }
            int offset = turns.nextIndex(candidates);
            Backend best = null;
            for (int i = 0; i < n; i++) {
                Backend candidate = candidates.get((offset + i) % n);
                if (best == null || lighter(candidate, best)) {
                    best = candidate;
                }
            }
            return Optional.of(best);
        }
    }

    /** a.inFlight / a.weight < b.inFlight / b.weight, without division. */
    private static boolean lighter(Backend a, Backend b) {
        return (long) a.inFlight() * b.weight() < (long) b.inFlight() * a.weight();
    }
}
