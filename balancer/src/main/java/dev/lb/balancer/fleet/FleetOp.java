package dev.lb.balancer.fleet;

/**
 * One fleet-wide admin change, as written to etcd and applied by every balancer of the fleet.
 *
 * @param backend the backend's name as the writing balancer knows it
 * @param kind    what to do
 * @param weight  the new weight, for {@link Kind#WEIGHT}; 0 otherwise
 * @param actor   who asked, recorded by every balancer that applies it
 */
public record FleetOp(String backend, Kind kind, int weight, String actor) {

    /** The changes that may be made fleet-wide: those of {@code lbctl drain|disable|enable|weight}. */
    public enum Kind {
        DRAIN, DISABLE, ENABLE, WEIGHT;

        /** Admin state and weight are independent, so each has its own key: a weight change keeps a drain. */
        String slot() {
            return this == WEIGHT ? "weight" : "state";
        }
    }
}
