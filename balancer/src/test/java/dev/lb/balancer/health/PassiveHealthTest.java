package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.OutlierEvent;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.lb.balancer.testing.Backends.backend;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ejection on 5xx answers, driven by an injected clock: no test waits for an ejection to run out. */
class PassiveHealthTest {
    private static final Duration EJECTION = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock();
    private final List<Backend> backends = List.of(backend(1), backend(2), backend(3), backend(4));
    private final BackendPool pool = new BackendPool(backends, new HealthPolicy(1, 1), clock);
    private final List<OutlierEvent> events = new CopyOnWriteArrayList<>();
    private PassiveHealthConfig config = new PassiveHealthConfig(5, EJECTION, 50);
    private final PassiveHealth passive = new PassiveHealth(pool, () -> config, clock);
    private final Backend bad = backends.get(0);

    PassiveHealthTest() {
        pool.addListener(new BackendListener() {
            @Override
            public void onHealthChange(dev.lb.balancer.backend.HealthEvent event) {
            }

            @Override
            public void onOutlier(OutlierEvent event) {
                events.add(event);
            }
        });
    }

    @AfterEach
    void stopTimer() {
        passive.close();
    }

    @Test
    void fiveConsecutive5xxEjectTheBackendForTheEjectionTime() {
        answer(bad, 500, 4);
        assertFalse(bad.ejected(), "four are not enough");

        answer(bad, 503, 1);

        assertTrue(bad.ejected());
        assertFalse(pool.available().contains(bad));
        assertEquals(clock.instant().plus(EJECTION), bad.ejectedUntil());
        assertEquals("5 consecutive 5xx", bad.ejectionReason());
        assertEquals(1, bad.totalEjections());
        OutlierEvent event = events.get(0);
        assertEquals(OutlierEvent.Kind.EJECTED, event.kind());
        assertEquals("5 consecutive 5xx", event.reason());
        assertEquals(EJECTION, event.ejection());
    }

    @Test
    void aGoodAnswerBreaksTheRun() {
        answer(bad, 500, 4);
        answer(bad, 404, 1);
        answer(bad, 500, 4);

        assertFalse(bad.ejected());
        assertEquals(4, bad.consecutive5xx());
    }

    @Test
    void noAnswerAtAllCountsNeitherWay() {
        answer(bad, 500, 4);
        answer(bad, -1, 3);
        answer(bad, 500, 1);

        assertTrue(bad.ejected());
    }

    @Test
    void anEjectedBackendReturnsOnProbationWhenItsTimeIsOverAndOneSuccessReadmitsIt() {
        answer(bad, 500, 5);

        clock.advance(EJECTION.minusMillis(1));
        assertEquals(clock.instant().plusMillis(1), passive.sweep(clock.instant()).orElseThrow(), "not yet");
        assertTrue(bad.ejected());

        clock.advance(Duration.ofMillis(1));
        assertTrue(passive.sweep(clock.instant()).isEmpty());
        assertFalse(bad.ejected());
        assertTrue(bad.onProbation());
        assertTrue(pool.available().contains(bad));
        assertEquals(clock.instant(), bad.enteredRotation(), "back in rotation: slow start applies");

        answer(bad, 200, 1);
        assertFalse(bad.onProbation());
        assertEquals(List.of(OutlierEvent.Kind.EJECTED, OutlierEvent.Kind.RETURNED, OutlierEvent.Kind.READMITTED),
                events.stream().map(OutlierEvent::kind).toList());
    }

    @Test
    void oneMore5xxOnProbationEjectsAgainForTwiceAsLongUpToTenTimes() {
        answer(bad, 500, 5);
        List<Long> lengths = new java.util.ArrayList<>();
        lengths.add(Duration.between(clock.instant(), bad.ejectedUntil()).toSeconds());
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.between(clock.instant(), bad.ejectedUntil()));
            passive.sweep(clock.instant());
            assertTrue(bad.onProbation());

            answer(bad, 502, 1);

            assertTrue(bad.ejected(), "one 5xx on probation ejects");
            assertEquals("HTTP 502 on probation", bad.ejectionReason());
            lengths.add(Duration.between(clock.instant(), bad.ejectedUntil()).toSeconds());
        }
        assertEquals(List.of(30L, 60L, 120L, 240L, 300L, 300L), lengths);
    }

    @Test
    void aReadmittedBackendStartsTheDoublingOver() {
        answer(bad, 500, 5);
        clock.advance(EJECTION);
        passive.sweep(clock.instant());
        answer(bad, 200, 1);

        answer(bad, 500, 5);

        assertEquals(clock.instant().plus(EJECTION), bad.ejectedUntil());
    }

    @Test
    void neverMoreThanMaxEjectionPercentOfTheBackendsAreOutByEjection() {
        // given four backends all answering 500 (a bad deploy), at most half of them may be ejected
        for (Backend b : backends) {
            answer(b, 500, 5);
        }

        assertEquals(2, backends.stream().filter(Backend::ejected).count());
        assertEquals(2, pool.available().size(), "half the pool still serves, rather than none");
    }

    @Test
    void anOperatorEndsAnEjectionAtOnce() {
        answer(bad, 500, 5);

        pool.endEjection(bad, "alice@ops");

        assertFalse(bad.ejected());
        assertFalse(bad.onProbation());
        assertTrue(pool.available().contains(bad));
        assertEquals(OutlierEvent.Kind.ENDED, events.get(events.size() - 1).kind());
        assertEquals("ended by alice@ops", events.get(events.size() - 1).reason());
    }

    @Test
    void withConsecutive5xxZeroNothingIsEjected() {
        config = PassiveHealthConfig.OFF;

        answer(bad, 500, 50);

        assertFalse(bad.ejected());
    }

    private void answer(Backend backend, int status, int times) {
        for (int i = 0; i < times; i++) {
            passive.answered(backend, status);
        }
    }
}
