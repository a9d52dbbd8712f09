package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round-robin: each candidate gets a share of consecutive turns proportional to its weight.
 * One shared counter walks the candidates' combined weight, so with weights 3 and 1 every four
 * requests go three to one backend and one to the other.
 */
public final class RoundRobin implements SelectionStrategy {
    private final AtomicLong counter = new AtomicLong();

    @Override
    public Optional<Backend> select(List<Backend> candidates) {
        int n = candidates.size();
        if (n == 0) {
            return Optional.empty();
        }
        long totalWeight = 0;
        boolean uniform = true;
        for (Backend b : candidates) {
            totalWeight += b.weight();
            uniform &= b.weight() == candidates.get(0).weight();
        }
        long turn = counter.getAndIncrement();
        if (uniform || totalWeight <= 0) {
            return Optional.of(candidates.get((int) Math.floorMod(turn, (long) n)));
        }
        long point = Math.floorMod(turn, totalWeight);
        for (Backend b : candidates) {
            point -= b.weight();
            if (point < 0) {
                return Optional.of(b);
            }
        }
        return Optional.of(candidates.get(n - 1));
    }

    @Override
    public String name() {
        return "round-robin";
    }
}
