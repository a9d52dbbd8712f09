package dev.lb.balancer.backend;

import org.junit.jupiter.api.Test;

import static dev.lb.balancer.backend.HealthState.DOWN;
import static dev.lb.balancer.backend.HealthState.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HealthPolicyTest {
    private final HealthPolicy policy = new HealthPolicy(3, 2);

    @Test
    void firstCheckDecidesAtOnceWhateverTheThresholds() {
        assertEquals(UP, policy.next(DOWN, true, 1, 0));
        assertEquals(DOWN, policy.next(UP, true, 0, 1));
    }

    @Test
    void downBackendNeedsHealthyThresholdSuccessesInARow() {
        assertEquals(DOWN, policy.next(DOWN, false, 1, 0));
        assertEquals(DOWN, policy.next(DOWN, false, 2, 0));
        assertEquals(UP, policy.next(DOWN, false, 3, 0));
    }

    @Test
    void upBackendNeedsUnhealthyThresholdFailuresInARow() {
        assertEquals(UP, policy.next(UP, false, 0, 1));
        assertEquals(DOWN, policy.next(UP, false, 0, 2));
    }

    @Test
    void resultsThatAgreeWithTheStateChangeNothing() {
        assertEquals(UP, policy.next(UP, false, 5, 0));
        assertEquals(DOWN, policy.next(DOWN, false, 0, 5));
    }

    @Test
    void thresholdsBelowOneAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new HealthPolicy(0, 1));
    }
}
