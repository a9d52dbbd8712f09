package dev.lb.balancer.proxy;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;

import java.util.ArrayList;
import java.util.List;

/**
 * The 503 message when no backend is in rotation, saying why, so an operator who drained or disabled
 * every backend is not sent looking for a health problem: "no backend in rotation: 2 in maintenance,
 * 1 draining". When every backend failed its health checks it stays "no healthy backend available".
 */
final class NoBackend {
    static final String ALL_DOWN = "no healthy backend available";

    private NoBackend() {
    }

    /**
     * Counts each backend once, by the first reason that keeps it out: an operator's decision
     * (maintenance, draining) before its health, its health before a weight of 0.
     */
    static String describe(List<Backend> backends) {
        if (backends.isEmpty()) {
            return "no backend in rotation: the pool is empty";
        }
        int maintenance = 0;
        int draining = 0;
        int down = 0;
        int weightZero = 0;
        for (Backend b : backends) {
            if (b.adminState() == AdminState.MAINTENANCE) {
                maintenance++;
            } else if (b.adminState() == AdminState.DRAINING) {
                draining++;
            } else if (b.health() == HealthState.DOWN) {
                down++;
            } else if (b.weight() == 0) {
                weightZero++;
            }
        }
        if (maintenance + draining + weightZero == 0) {
            // All down, or (a race) back in rotation since the request looked: the classic wording.
            return ALL_DOWN;
        }
        List<String> parts = new ArrayList<>(4);
        count(parts, down, "down");
        count(parts, maintenance, "in maintenance");
        count(parts, draining, "draining");
        count(parts, weightZero, "with weight 0");
        return "no backend in rotation: " + String.join(", ", parts);
    }

    private static void count(List<String> parts, int n, String what) {
        if (n > 0) {
            parts.add(n + " " + what);
        }
    }
}
