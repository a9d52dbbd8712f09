package dev.lb.balancer.page;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.HealthState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One backend's last {@link #WINDOW} as time bands of UP, DOWN, DRAIN and MAINT, each with the reason it
 * began, so a flapping backend shows as stripes. Bounded: at most {@value #MAX_BANDS} bands; the oldest
 * go first. Fed by pool events on the thread that made the change, read by page threads; its monitor
 * guards it, and it is never taken on the request path.
 */
final class HealthStrip {
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final int MAX_BANDS = 120;

    /**
     * @param from   when this state began
     * @param state  UP, DOWN, DRAIN or MAINT
     * @param reason why it began: the health check's verdict or who changed the admin state
     */
    record Band(Instant from, String state, String reason) {
    }

    private HealthState health;
    private AdminState admin;
    private final Deque<Band> bands = new ArrayDeque<>();

    HealthStrip(HealthState health, AdminState admin, String reason, Instant since) {
        this.health = health;
        this.admin = admin;
        bands.addLast(new Band(since, shown(health, admin), reason));
    }

    synchronized void health(HealthState to, String reason, Instant at) {
        health = to;
        changed(reason, at);
    }

    synchronized void admin(AdminState to, String reason, Instant at) {
        admin = to;
        changed(reason, at);
    }

    /** The bands that overlap the window ending {@code now}, oldest first. */
    synchronized List<Band> bands(Instant now) {
        Instant start = now.minus(WINDOW);
        // The first band stays while the next one began inside the window: it covers the window's start.
        while (bands.size() > 1) {
            Band first = bands.removeFirst();
            if (bands.getFirst().from().isAfter(start)) {
                bands.addFirst(first);
                break;
            }
        }
        return List.copyOf(bands);
    }

    private void changed(String reason, Instant at) {
        String state = shown(health, admin);
        if (state.equals(bands.getLast().state())) {
            return;
        }
        if (bands.size() == MAX_BANDS) {
            bands.removeFirst();
        }
        bands.addLast(new Band(at, state, reason));
    }

    /**
     * The one word a band shows. Maintenance wins (checks are paused, so health says nothing); a failing
     * backend shows DOWN even while draining, since that is the news; then draining; then health.
     */
    static String shown(HealthState health, AdminState admin) {
        if (admin == AdminState.MAINTENANCE) {
            return "MAINT";
        }
        if (health == HealthState.DOWN) {
            return "DOWN";
        }
        return admin == AdminState.DRAINING ? "DRAIN" : "UP";
    }
}
