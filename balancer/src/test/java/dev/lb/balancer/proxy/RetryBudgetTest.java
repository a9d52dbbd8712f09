package dev.lb.balancer.proxy;

import dev.lb.balancer.config.RetryBudgetConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry budget at exact instants: the clock is the test's. */
class RetryBudgetTest {
    private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_000));

    private RetryBudget budget(int percent, int minPerSecond) {
        return new RetryBudget(new RetryBudgetConfig(percent, minPerSecond), now::get);
    }

    private void advanceSeconds(double seconds) {
        now.addAndGet((long) (seconds * 1e9));
    }

    private static int retriesAllowed(RetryBudget budget) {
        int allowed = 0;
        while (budget.tryRetry()) {
            allowed++;
            if (allowed > 1_000_000) {
                throw new AssertionError("no cap");
            }
        }
        return allowed;
    }

    @Test
    void aQuietBalancerMayRetryMinPerSecondTimesTheWindow() {
        RetryBudget budget = budget(20, 3);

        assertEquals(3 * RetryBudget.WINDOW_SECONDS, retriesAllowed(budget));
    }

    @Test
    void underTrafficThePercentageOfRecentRequestsIsAllowed() {
        RetryBudget budget = budget(20, 3);
        for (int i = 0; i < 1_000; i++) {
            budget.requestStarted();
        }

        assertEquals(200, retriesAllowed(budget), "20% of 1,000 requests");
    }

    @Test
    void retriesLeaveTheWindowAfterItsLength() {
        RetryBudget budget = budget(0, 1);
        assertEquals(10, retriesAllowed(budget));

        advanceSeconds(9.5);
        assertFalse(budget.tryRetry(), "still within the window of the first retries");

        advanceSeconds(0.5);
        assertEquals(10, retriesAllowed(budget), "the window moved past them");
    }

    @Test
    void requestsLeaveTheWindowSecondBySecond() {
        RetryBudget budget = budget(50, 0);
        for (int i = 0; i < 100; i++) {
            budget.requestStarted();
        }
        advanceSeconds(5);
        for (int i = 0; i < 20; i++) {
            budget.requestStarted();
        }

        advanceSeconds(5);
        assertEquals(10, retriesAllowed(budget), "only the 20 later requests remain: 50% of them");
    }

    @Test
    void zeroPercentAndZeroPerSecondAllowsNoRetry() {
        RetryBudget budget = budget(0, 0);
        budget.requestStarted();

        assertFalse(budget.tryRetry());
    }

    @Test
    void aNewConfigAppliesAtOnceWithTheCountsKept() {
        RetryBudget budget = budget(0, 1);
        assertEquals(10, retriesAllowed(budget));

        budget.config(new RetryBudgetConfig(0, 2));

        assertTrue(budget.tryRetry());
        assertEquals(9, retriesAllowed(budget), "20 in all, 11 already taken");
    }
}
