package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam; HAProxy's
 * {@code hash-type consistent} with {@code hash-balance-factor}, Envoy's {@code RING_HASH}): a request's
 * key picks its backend on a {@link HashRing}, so the same key keeps landing on the same backend and a
 * membership change moves only about 1/N of the keys. A backend already above {@code balanceFactor}
 * times the average in-flight load (per unit of weight) passes the key on to the next backend on the
 * ring, so one hot key cannot sink a backend. A request without a key goes by least-connections.
 *
 * <p>The ring is built once per pool snapshot, over the backends in rotation with the snapshot's
 * weights, by the snapshot's selector; a pick reads it without a lock. Backends at their maxConnections
 * or already tried are skipped on the walk, so the ring does not change for them.
 */
public final class ConsistentHash implements SelectionStrategy {
    private final LeastConnections fallback = new LeastConnections();
    /** For plain lists: the backends the ring is built over; null to build it over the candidates given. */
    private final Supplier<List<Backend>> rotation;
    private final ListSelectors lists = new ListSelectors(this::selectorFor);
    private volatile double balanceFactor;
    private final LongAdder passedOn = new LongAdder();

    /**
     * @param rotation      for {@link #select(List, Placement)}: the backends in rotation, a list
     *                      replaced on each change; null to hash over whichever candidates each pick is
     *                      given. Selectors built with {@link #selectorFor} hash over their snapshot's.
     * @param balanceFactor see {@link #balanceFactor(double)}
     */
    public ConsistentHash(Supplier<List<Backend>> rotation, double balanceFactor) {
        this.rotation = rotation;
        this.balanceFactor = balanceFactor;
    }

    /** Sets the load bound for picks from now on: 0 for none, otherwise at least 1. */
    public void balanceFactor(double factor) {
        this.balanceFactor = factor;
    }

    public double balanceFactor() {
        return balanceFactor;
    }

    /** Picks whose key's own backend was above the bound, so the key went to a later one on the ring. */
    public long totalPassedOn() {
        return passedOn.sum();
    }

    @Override
    public Ring selectorFor(PoolSnapshot snapshot) {
        return new Ring(snapshot, HashRing.of(snapshot.available(), snapshot.weights()), fallback.selectorFor(snapshot));
    }

    @Override
    public Optional<Backend> select(List<Backend> candidates, Placement placement) {
        return lists.forList(rotation == null ? candidates : rotation.get()).pick(candidates, placement);
    }

    /** Consistent hashing over one snapshot: its ring, and least-connections for requests without a key. */
    final class Ring implements Selector {
        private final PoolSnapshot snapshot;
        private final HashRing ring;
        private final LeastConnections.Loads unkeyed;

        private Ring(PoolSnapshot snapshot, HashRing ring, LeastConnections.Loads unkeyed) {
            this.snapshot = snapshot;
            this.ring = ring;
            this.unkeyed = unkeyed;
        }

        @Override
        public PoolSnapshot snapshot() {
            return snapshot;
        }

        @Override
        public Optional<Backend> pick(List<Backend> candidates, Placement placement) {
            if (!placement.keyed() || candidates.isEmpty()) {
                return unkeyed.pick(candidates, placement);
            }
            Backend chosen = walk(ring, placement.keyHash(), candidates, candidates == snapshot.available());
            // None of the candidates on the ring: they are not of this snapshot (a plain list); go by load.
            return chosen == null ? unkeyed.pick(candidates, placement) : Optional.of(chosen);
        }
    }

    /**
     * The first candidate at or after the key's point that is within the load bound; when every
     * candidate is above it (possible only for a factor near 1 and tiny loads), the first candidate.
     *
     * @param everyMember whether {@code candidates} is the whole rotation the ring was built over
     */
    private Backend walk(HashRing ring, long keyHash, List<Backend> candidates, boolean everyMember) {
        double factor = balanceFactor;
        int start = ring.start(keyHash);
        if (factor == 0 && everyMember) {
            return ring.owner(start); // no bound and nobody left out: the key's own backend
        }
        long totalInFlight = 0;
        long totalWeight = 0;
        if (factor != 0) {
            for (Backend b : candidates) {
                totalInFlight += b.inFlight();
                totalWeight += Math.max(1, b.weight());
            }
        }
        boolean[] seen = new boolean[ring.members().size()];
        int distinct = 0;
        Backend first = null;
        for (int step = 0; step < ring.size() && distinct < seen.length; step++) {
            int owner = ring.ownerIndex(start + step);
            if (seen[owner]) {
                continue;
            }
            seen[owner] = true;
            distinct++;
            Backend b = ring.members().get(owner);
            if (!everyMember && !candidates.contains(b)) {
                continue;
            }
            if (factor == 0 || !aboveBound(b, totalInFlight, totalWeight, factor)) {
                if (first != null) {
                    passedOn.increment();
                }
                return b;
            }
            if (first == null) {
                first = b;
            }
        }
        return first;
    }

    /**
     * Whether one more request would take {@code b} above {@code factor} times its fair share of the
     * load (the requests in flight plus this one, shared by weight), rounded up as HAProxy does.
     */
    static boolean aboveBound(Backend b, long totalInFlight, long totalWeight, double factor) {
        double limit = Math.ceil(factor * (totalInFlight + 1) * Math.max(1, b.weight()) / totalWeight);
        return b.inFlight() + 1 > limit;
    }

    @Override
    public String name() {
        return "hash";
    }
}
