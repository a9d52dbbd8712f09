package dev.lb.cli;

import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.HealthCheck;
import dev.lb.admin.v1.HealthEvent;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** {@code lbctl status BACKEND}: one backend in detail, with its recent state changes. */
final class BackendDetail {
    private BackendDetail() {
    }

    static void print(BackendStatus b, Instant now, PrintWriter out) {
        if (!b.getName().equals(b.getUrl())) {
            line(out, "Name", b.getName());
        }
        line(out, "URL", b.getUrl());
        List<HealthEvent> history = b.getHistoryList();
        String state = Formats.state(b.getHealth());
        if (!history.isEmpty()) {
            Instant since = Formats.instant(history.get(history.size() - 1).getTime());
            state += " since " + Formats.clock(since) + " (" + Formats.age(Duration.between(since, now)) + " ago)";
        }
        line(out, "State", state);
        line(out, "Admin", Formats.adminState(b.getAdminState()));
        line(out, "Weight", Integer.toUnsignedString(b.getWeight()));
        line(out, "In flight", Integer.toUnsignedString(b.getInFlight())
                + (b.getMaxConnections() == 0 ? "" : " of at most " + Integer.toUnsignedString(b.getMaxConnections())));
        line(out, "Requests", Long.toUnsignedString(b.getTotalRequests()));
        line(out, "Failures", Long.toUnsignedString(b.getTotalFailures()));
        if (b.hasLastCheck()) {
            HealthCheck check = b.getLastCheck();
            Instant at = Formats.instant(check.getTime());
            line(out, "Last check", check.getDetail() + " in " + Formats.millis(Formats.duration(check.getLatency()))
                    + " at " + Formats.clock(at) + " (" + Formats.age(Duration.between(at, now)) + " ago)");
        } else {
            line(out, "Last check", "none yet");
        }
        line(out, "Checks", Long.toUnsignedString(b.getTotalChecks()) + " run, "
                + Long.toUnsignedString(b.getTotalCheckFailures()) + " failed");
        line(out, "Last error", b.getLastError().isEmpty() ? "none" : b.getLastError());
        String policy = StatusTable.policyState(b);
        if (!policy.isEmpty()) {
            line(out, "Policy", policy);
        }
        if (b.getTotalEjections() != 0) {
            line(out, "Ejections", Long.toUnsignedString(b.getTotalEjections()) + ", last for " + b.getEjectionReason());
        }
        if (!b.getStickyId().isEmpty()) {
            line(out, "Sticky ID", b.getStickyId());
        }
        line(out, "Streak", b.getConsecutiveFailures() > 0
                ? b.getConsecutiveFailures() + " failed checks in a row"
                : b.getConsecutiveSuccesses() + " passed checks in a row");
        if (history.isEmpty()) {
            out.println("History:     no state changes since the balancer started");
            return;
        }
        out.println("History (last " + history.size() + " state change" + (history.size() == 1 ? "" : "s") + ", oldest first):");
        for (HealthEvent e : history) {
            String change = Formats.state(e.getOldState()) + " -> " + Formats.state(e.getNewState());
            out.printf("  %s  %-12s  %s%n", Formats.clock(Formats.instant(e.getTime())), change, e.getReason());
        }
    }

    private static void line(PrintWriter out, String label, String value) {
        out.printf("%-12s %s%n", label + ":", value);
    }
}
