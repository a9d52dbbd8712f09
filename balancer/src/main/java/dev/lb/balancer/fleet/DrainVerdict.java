package dev.lb.balancer.fleet;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a fleet-wide drain is over: the one decision {@code lbctl drain --fleet --wait} waits on. Pure,
 * so it is tested without etcd.
 *
 * @param state     where the drain stands over the whole fleet
 * @param instances the instances waited for, sorted
 * @param detail    for {@link State#ABANDONED}: which instance and why
 */
public record DrainVerdict(State state, Set<String> instances, String detail) {

    /** The fleet's drain as a whole. */
    public enum State {
        /** Some instance alive has requests in flight, or has not answered this drain yet. */
        PENDING,
        /** Every instance alive has 0 in flight. */
        DONE,
        /** An instance's drain ended before it finished. */
        ABANDONED
    }

    /**
     * Decides from the instances alive now (those whose lease holds) and their reports on the drain
     * written at {@code revision}. An instance that died is not waited for once its lease expired; one
     * with no report, or a report on an older drain, has not applied this one yet. With no instance
     * alive (etcd lost every lease) nothing can be said yet.
     */
    public static DrainVerdict of(Set<String> alive, Map<String, DrainReport> reports, long revision) {
        Set<String> sorted = new java.util.TreeSet<>(alive);
        if (alive.isEmpty()) {
            return new DrainVerdict(State.PENDING, sorted, "");
        }
        for (String instance : sorted) {
            Optional<DrainReport> report = Optional.ofNullable(reports.get(instance)).filter(r -> r.revision() >= revision);
            if (report.isPresent() && report.get().outcome() == DrainReport.Outcome.ABANDONED) {
                return new DrainVerdict(State.ABANDONED, sorted, "on " + instance + ": " + report.get().detail());
            }
        }
        for (String instance : sorted) {
            DrainReport report = reports.get(instance);
            if (report == null || report.revision() < revision || report.inFlight() > 0) {
                return new DrainVerdict(State.PENDING, sorted, "");
            }
        }
        return new DrainVerdict(State.DONE, sorted, "");
    }
}
