package dev.lb.balancer.discovery;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RefreshDelayTest {
    private static final Duration FIVE = Duration.ofSeconds(5);

    @Test
    void theConfiguredRefreshWhenTheTtlIsLonger() {
        assertEquals(FIVE, RefreshDelay.next(FIVE, Duration.ofSeconds(300)));
    }

    @Test
    void theTtlWhenItIsShorter() {
        assertEquals(Duration.ofSeconds(2), RefreshDelay.next(FIVE, Duration.ofSeconds(2)));
    }

    @Test
    void aZeroTtlWaitsTheFloorInsteadOfAskingInALoop() {
        assertEquals(RefreshDelay.FLOOR, RefreshDelay.next(FIVE, Duration.ZERO));
    }

    @Test
    void noTtlMeansTheConfiguredRefresh() {
        assertEquals(FIVE, RefreshDelay.next(FIVE, null));
    }
}
