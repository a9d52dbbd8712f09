package dev.lb.balancer.page;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.HealthState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HealthStripTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static List<String> states(List<HealthStrip.Band> bands) {
        return bands.stream().map(HealthStrip.Band::state).toList();
    }

    @Test
    void aFlappingBackendIsAStripeOfBandsEachWithItsReason() {
        HealthStrip strip = new HealthStrip(HealthState.UP, AdminState.READY, "at start", T0);
        strip.health(HealthState.DOWN, "connection refused", T0.plusSeconds(10));
        strip.health(HealthState.UP, "HTTP 200", T0.plusSeconds(20));
        strip.admin(AdminState.DRAINING, "by admin", T0.plusSeconds(30));
        strip.admin(AdminState.MAINTENANCE, "by admin", T0.plusSeconds(40));

        List<HealthStrip.Band> bands = strip.bands(T0.plusSeconds(50));
        assertEquals(List.of("UP", "DOWN", "UP", "DRAIN", "MAINT"), states(bands));
        assertEquals("connection refused", bands.get(1).reason());
        assertEquals(T0.plusSeconds(10), bands.get(1).from());
    }

    @Test
    void aFailingBackendShowsDownEvenWhileDrainingAndNoChangeMakesNoBand() {
        HealthStrip strip = new HealthStrip(HealthState.UP, AdminState.DRAINING, "at start", T0);
        strip.health(HealthState.DOWN, "HTTP 503", T0.plusSeconds(1));
        strip.health(HealthState.DOWN, "HTTP 503", T0.plusSeconds(2));
        assertEquals(List.of("DRAIN", "DOWN"), states(strip.bands(T0.plusSeconds(3))));
    }

    @Test
    void bandsOlderThanTheWindowGoButTheOneCoveringItsStartStays() {
        HealthStrip strip = new HealthStrip(HealthState.UP, AdminState.READY, "at start", T0);
        strip.health(HealthState.DOWN, "timed out", T0.plusSeconds(60));
        strip.health(HealthState.UP, "HTTP 200", T0.plusSeconds(120));

        Instant later = T0.plus(HealthStrip.WINDOW).plusSeconds(90); // the window starts inside the DOWN band
        assertEquals(List.of("DOWN", "UP"), states(strip.bands(later)));
    }

    @Test
    void boundedInCountWhateverTheFlapping() {
        HealthStrip strip = new HealthStrip(HealthState.UP, AdminState.READY, "at start", T0);
        for (int i = 1; i <= 1000; i++) {
            strip.health(i % 2 == 0 ? HealthState.UP : HealthState.DOWN, "flap", T0.plusMillis(i));
        }
        assertEquals(HealthStrip.MAX_BANDS, strip.bands(T0.plusSeconds(1)).size());
    }
}
