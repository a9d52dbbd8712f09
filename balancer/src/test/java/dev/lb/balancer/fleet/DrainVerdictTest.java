package dev.lb.balancer.fleet;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DrainVerdictTest {
    private static DrainReport report(String instance, long revision, int inFlight, DrainReport.Outcome outcome) {
        return new DrainReport(instance, "a", revision, inFlight, outcome, outcome == DrainReport.Outcome.ABANDONED ? "enabled meanwhile" : "");
    }

    @Test
    void doneOnlyWhenEveryInstanceAliveReportsZeroForThisDrain() {
        Map<String, DrainReport> reports = Map.of(
                "x:1", report("x:1", 10, 0, DrainReport.Outcome.DRAINED),
                "y:1", report("y:1", 10, 2, DrainReport.Outcome.DRAINING));
        assertEquals(DrainVerdict.State.PENDING, DrainVerdict.of(Set.of("x:1", "y:1"), reports, 10).state());

        Map<String, DrainReport> later = Map.of(
                "x:1", report("x:1", 10, 0, DrainReport.Outcome.DRAINED),
                "y:1", report("y:1", 10, 0, DrainReport.Outcome.DRAINED));
        DrainVerdict done = DrainVerdict.of(Set.of("y:1", "x:1"), later, 10);
        assertEquals(DrainVerdict.State.DONE, done.state());
        assertEquals(java.util.List.of("x:1", "y:1"), java.util.List.copyOf(done.instances()));
    }

    @Test
    void anInstanceThatHasNotAnsweredThisDrainIsWaitedFor() {
        // a report on an older drain of the same backend says nothing about this one
        Map<String, DrainReport> reports = Map.of(
                "x:1", report("x:1", 10, 0, DrainReport.Outcome.DRAINED),
                "y:1", report("y:1", 7, 0, DrainReport.Outcome.DRAINED));
        assertEquals(DrainVerdict.State.PENDING, DrainVerdict.of(Set.of("x:1", "y:1"), reports, 10).state());
        assertEquals(DrainVerdict.State.PENDING, DrainVerdict.of(Set.of("x:1", "z:1"), reports, 10).state());
    }

    @Test
    void aDeadInstanceIsNotWaitedForAndASkippedOneCountsAsDrained() {
        // y:1's lease expired: it is no longer alive, its report is left behind
        Map<String, DrainReport> reports = Map.of(
                "x:1", report("x:1", 10, 0, DrainReport.Outcome.SKIPPED),
                "y:1", report("y:1", 10, 5, DrainReport.Outcome.DRAINING));
        assertEquals(DrainVerdict.State.DONE, DrainVerdict.of(Set.of("x:1"), reports, 10).state());
    }

    @Test
    void anAbandonedDrainEndsTheWaitNamingTheInstance() {
        Map<String, DrainReport> reports = Map.of(
                "x:1", report("x:1", 10, 3, DrainReport.Outcome.ABANDONED),
                "y:1", report("y:1", 10, 1, DrainReport.Outcome.DRAINING));
        DrainVerdict verdict = DrainVerdict.of(Set.of("x:1", "y:1"), reports, 10);
        assertEquals(DrainVerdict.State.ABANDONED, verdict.state());
        assertEquals("on x:1: enabled meanwhile", verdict.detail());
    }

    @Test
    void noInstanceAliveDecidesNothing() {
        assertEquals(DrainVerdict.State.PENDING, DrainVerdict.of(Set.of(), Map.of(), 10).state());
    }
}
