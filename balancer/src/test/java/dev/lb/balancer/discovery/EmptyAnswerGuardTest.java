package dev.lb.balancer.discovery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmptyAnswerGuardTest {
    private final EmptyAnswerGuard guard = new EmptyAnswerGuard();

    @Test
    void aNonEmptyAnswerIsAlwaysApplied() {
        assertTrue(guard.apply(2, 3));
    }

    @Test
    void oneEmptyAnswerWhileBackendsServeIsHeldBackAndASecondIsApplied() {
        assertFalse(guard.apply(0, 3));
        assertTrue(guard.apply(0, 3));
    }

    @Test
    void anAnswerBetweenTwoEmptyOnesStartsTheCountAgain() {
        assertFalse(guard.apply(0, 3));
        assertTrue(guard.apply(1, 3));
        assertFalse(guard.apply(0, 1));
    }

    @Test
    void anEmptyAnswerForASourceWithNoBackendsChangesNothingAndIsApplied() {
        assertTrue(guard.apply(0, 0));
    }
}
