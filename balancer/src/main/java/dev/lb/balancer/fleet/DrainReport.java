package dev.lb.balancer.fleet;

/**
 * One instance's progress on a fleet-wide drain, published under its own leased key so that it vanishes
 * with the instance.
 *
 * @param instance the instance that drains
 * @param backend  the backend, as the drain op names it
 * @param revision the etcd revision of the drain op it answers; an older report answers an older drain
 * @param inFlight requests still in flight on that instance
 * @param outcome  where the drain stands
 * @param detail   why, for {@link Outcome#SKIPPED} and {@link Outcome#ABANDONED}; empty otherwise
 */
public record DrainReport(String instance, String backend, long revision, int inFlight, Outcome outcome, String detail) {

    /** A drain's state on one instance. */
    public enum Outcome {
        /** Requests are still in flight. */
        DRAINING,
        /** Nothing is in flight any more. */
        DRAINED,
        /** The instance could not drain it (it has no such backend, or it is in maintenance): nothing in flight there. */
        SKIPPED,
        /** The drain ended before it finished (the backend was enabled, disabled or removed). */
        ABANDONED
    }
}
