package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.function.Function;

/**
 * A strategy's selector for the last plain list it was given, for callers that hold a list rather than
 * a pool snapshot. Kept while the same list instance comes back with the same weights; any other list
 * gets a selector of its own. The request path goes through {@link CurrentSelector} instead, which
 * compares one reference.
 */
final class ListSelectors {
    private final Function<PoolSnapshot, Selector> build;
    /** The last selector built; replaced whole, read without a lock. */
    private volatile Selector last;

    ListSelectors(Function<PoolSnapshot, Selector> build) {
        this.build = build;
    }

    /** A selector whose snapshot's rotation is {@code members}, with the weights they have now. */
    Selector forList(List<Backend> members) {
        Selector current = last;
        if (current == null || !sameWeights(current.snapshot(), members)) {
            current = build.apply(PoolSnapshot.ofRotation(members));
            last = current;
        }
        return current;
    }

    /** The snapshot was taken of this very list, and no backend of it was weighted anew since. */
    private static boolean sameWeights(PoolSnapshot snapshot, List<Backend> members) {
        if (snapshot.available() != members) {
            return false;
        }
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).weight() != snapshot.weight(i)) {
                return false;
            }
        }
        return true;
    }
}
