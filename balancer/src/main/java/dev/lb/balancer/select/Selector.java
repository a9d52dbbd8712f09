package dev.lb.balancer.select;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.PoolSnapshot;

import java.util.List;
import java.util.Optional;

/**
 * One strategy's choice over one {@link PoolSnapshot} (Armeria's {@code EndpointSelector}, grpc-java's
 * {@code SubchannelPicker}): what the strategy derives from the snapshot's backends and weights, such as
 * round-robin's interleaved order or the hash ring, is computed once when the selector is built and
 * only read afterwards, so request threads share a selector without a lock until the pool publishes
 * its next snapshot.
 *
 * <p>What varies between requests is read at the pick, never by rebuilding: loads ({@code inFlight}),
 * backends at their cap or already tried (the pick is then among the rest), the request's hash key.
 * What varies between snapshots comes with the next selector: membership, health, admin state,
 * passive-health ejections and weights, all changes the pool publishes. Sticky cookies and slow start
 * act around the pick, in {@link RequestQueue}.
 */
public interface Selector {

    /** The snapshot this selector was built for. */
    PoolSnapshot snapshot();

    /**
     * Picks among every backend of the snapshot's rotation, the common case: nothing excluded and no
     * backend at its cap. Empty only when the rotation is.
     */
    default Optional<Backend> pick(Placement placement) {
        return pick(snapshot().available(), placement);
    }

    /**
     * Picks among {@code candidates}: the snapshot's {@code available} list itself (the precomputed
     * path) or some of its backends, the others being at their cap or already tried, which get the
     * same turns and shares as a strategy given those alone. Empty only when there are no candidates.
     */
    Optional<Backend> pick(List<Backend> candidates, Placement placement);
}
