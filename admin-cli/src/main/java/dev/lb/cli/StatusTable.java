package dev.lb.cli;

import dev.lb.admin.v1.AccessLogStatus;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.DiscoverySourceStatus;
import dev.lb.admin.v1.BalancerStatus;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthCheck;
import dev.lb.admin.v1.QueueStatus;
import dev.lb.admin.v1.TlsCertificateStatus;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The {@code lbctl status} table: one aligned row per backend and a summary line. */
final class StatusTable {
    private StatusTable() {
    }

    static void print(GetStatusResponse status, PrintWriter out) {
        Instant now = serverNow(status.getBalancer());
        boolean named = status.getBackendsList().stream().anyMatch(b -> !b.getName().equals(b.getUrl()));
        // The cap column only where a cap is set: without one there is nothing to show.
        boolean capped = anyCapped(status);
        // The traffic-policy column only while some backend ramps, is ejected or on probation.
        boolean policies = status.getBackendsList().stream().anyMatch(b -> !policyState(b).isEmpty());
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("BACKEND", "STATE", "ADMIN", "WEIGHT", "IN-FLIGHT", "REQUESTS", "FAILURES", "LAST CHECK"));
        if (named) {
            header.add(1, "URL");
        }
        if (capped) {
            header.add(header.indexOf("IN-FLIGHT") + 1, "MAXCONN");
        }
        // Where each backend came from, only once some came from a shared source (DNS, etcd).
        boolean discovered = status.getDiscoverySourcesCount() > 0;
        if (discovered) {
            header.add("SOURCE");
        }
        if (policies) {
            header.add("POLICY");
        }
        rows.add(header.toArray(String[]::new));
        for (BackendStatus b : status.getBackendsList()) {
            List<String> row = new ArrayList<>();
            row.add(b.getName());
            if (named) {
                row.add(b.getUrl());
            }
            row.add(Formats.state(b.getHealth()));
            row.add(Formats.adminState(b.getAdminState()));
            row.add(Integer.toUnsignedString(b.getWeight()));
            row.add(Integer.toUnsignedString(b.getInFlight()));
            if (capped) {
                row.add(b.getMaxConnections() == 0 ? "-" : Integer.toUnsignedString(b.getMaxConnections()));
            }
            row.add(Long.toUnsignedString(b.getTotalRequests()));
            row.add(Long.toUnsignedString(b.getTotalFailures()));
            row.add(lastCheck(b, now));
            if (discovered) {
                row.add(b.getSource());
            }
            if (policies) {
                String state = policyState(b);
                row.add(state.isEmpty() ? "-" : state);
            }
            rows.add(row.toArray(String[]::new));
        }
        int numericFrom = named ? 4 : 3;
        printAligned(rows, numericFrom, numericFrom + (capped ? 4 : 3), out);
        out.println(summary(status.getBalancer()) + reloadNote(status.getBalancer()));
        if (capped || queueUsed(status.getBalancer().getQueue())) {
            out.println(queue(status.getBalancer().getQueue()));
        }
        String policyLine = policies(status.getBalancer());
        if (!policyLine.isEmpty()) {
            out.println(policyLine);
        }
        if (status.getBalancer().hasTlsCertificate()) {
            out.println(certificate(status.getBalancer().getTlsCertificate(), now));
        }
        if (status.getBalancer().hasAccessLog()) {
            out.println(accessLog(status.getBalancer().getAccessLog()));
        }
        status.getDiscoverySourcesList().forEach(source -> out.println(source(source, now)));
        if (status.hasFleet()) {
            out.println(fleet(status.getFleet()));
        }
    }

    /** "fleet /lb/admin/: this is host:9090, 3 instances (host:9090, host:9091, host:9092)" */
    static String fleet(dev.lb.admin.v1.FleetStatus f) {
        String instances = f.getInstancesCount() + " instance" + (f.getInstancesCount() == 1 ? "" : "s")
                + " (" + String.join(", ", f.getInstancesList()) + ")";
        return "fleet " + f.getAdminPrefix() + ": this is " + f.getInstance() + ", "
                + (f.getConnected() ? instances : "etcd UNREACHABLE, last seen " + instances);
    }

    /** "source etcd /lb/backends/: ok, 3 backends, answered 2s ago" or "...: FAILING (reason), keeping 3 backends" */
    static String source(DiscoverySourceStatus s, Instant now) {
        String answered = s.hasLastAnswer()
                ? ", answered " + Formats.age(java.time.Duration.between(Formats.instant(s.getLastAnswer()), now)) + " ago"
                : ", no answer yet";
        return "source " + s.getName() + ": " + switch (s.getState()) {
            case DISCOVERY_SOURCE_STATE_OK -> "ok, " + backends(s.getBackends()) + answered;
            case DISCOVERY_SOURCE_STATE_FAILING -> "FAILING (" + s.getLastError() + "), keeping " + backends(s.getBackends()) + answered;
            default -> "starting" + answered;
        };
    }

    private static String backends(int n) {
        return Integer.toUnsignedString(n) + " backend" + (n == 1 ? "" : "s");
    }

    /** "tls: CN=shop.example, expires 2026-02-01T00:00:00Z (in 64d 3h); 2 reloads, 0 refused" */
    static String certificate(TlsCertificateStatus tls, Instant now) {
        Instant notAfter = Formats.instant(tls.getNotAfter());
        java.time.Duration left = java.time.Duration.between(now, notAfter);
        String when = left.isNegative() ? "EXPIRED " + Formats.age(left.negated()) + " ago" : "in " + Formats.age(left);
        return "tls: " + tls.getSubject() + ", expires " + notAfter + " (" + when + "); "
                + Long.toUnsignedString(tls.getReloadsApplied()) + " reloads, "
                + Long.toUnsignedString(tls.getReloadsRejected()) + " refused";
    }

    /** "access log: /var/log/lb/access.log, 1520 lines, 0 dropped, 0 failed" */
    static String accessLog(AccessLogStatus log) {
        return "access log: " + log.getPath() + ", " + Long.toUnsignedString(log.getLinesWritten()) + " lines, "
                + Long.toUnsignedString(log.getLinesDropped()) + " dropped, "
                + Long.toUnsignedString(log.getLinesFailed()) + " failed";
    }

    /**
     * A backend's slow-start ramp or ejection, e.g. "ramp 40%, 18s left", "ejected 25s more (5
     * consecutive 5xx)", "probation"; empty when neither applies.
     */
    static String policyState(BackendStatus b) {
        if (b.getEjected()) {
            return "ejected " + Formats.age(Formats.duration(b.getEjectionRemaining())) + " more ("
                    + b.getEjectionReason() + ")";
        }
        String probation = b.getProbation() ? "probation" : "";
        if (b.getSlowStartPercent() == 0) {
            return probation;
        }
        String ramp = "ramp " + b.getSlowStartPercent() + "%, " + Formats.age(Formats.duration(b.getSlowStartRemaining())) + " left";
        return probation.isEmpty() ? ramp : probation + ", " + ramp;
    }

    /**
     * The traffic policies in use, e.g. "policies: hash on header:X-User (bound 1.25); sticky cookie
     * LB_BACKEND; slow start 30s; ejection after 5 consecutive 5xx"; empty when none is.
     */
    static String policies(BalancerStatus b) {
        List<String> parts = new ArrayList<>();
        if (b.getAlgorithm().equals("hash")) {
            parts.add("hash on " + b.getHashOn() + (b.getHashBalanceFactor() == 0 ? " (no load bound)"
                    : " (bound " + b.getHashBalanceFactor() + ")"));
        }
        if (!b.getStickyCookie().isEmpty()) {
            parts.add("sticky cookie " + b.getStickyCookie());
        }
        java.time.Duration slowStart = Formats.duration(b.getSlowStart());
        if (!slowStart.isZero()) {
            parts.add("slow start " + Formats.age(slowStart));
        }
        if (b.getEjectionConsecutive5Xx() != 0) {
            parts.add("ejection after " + b.getEjectionConsecutive5Xx() + " consecutive 5xx (at most "
                    + b.getMaxEjectionPercent() + "% of backends)");
        }
        return parts.isEmpty() ? "" : "policies: " + String.join("; ", parts);
    }

    static boolean anyCapped(GetStatusResponse status) {
        return status.getBackendsList().stream().anyMatch(b -> b.getMaxConnections() != 0);
    }

    /** Whether any request ever waited or was refused, so the queue is worth a line. */
    static boolean queueUsed(QueueStatus q) {
        return q.getLength() != 0 || q.getTotalQueued() != 0 || q.getTotalRejected() != 0;
    }

    /** "queue: 3 waiting (at most 1024, for 5000 ms); 12 queued, 1 timed out, 0 refused as full since start" */
    static String queue(QueueStatus q) {
        return "queue: " + Integer.toUnsignedString(q.getLength()) + " waiting (at most "
                + Integer.toUnsignedString(q.getMaxSize()) + ", for " + Formats.millis(Formats.duration(q.getTimeout()))
                + "); " + Long.toUnsignedString(q.getTotalQueued()) + " queued, "
                + Long.toUnsignedString(q.getTotalTimeouts()) + " timed out, "
                + Long.toUnsignedString(q.getTotalRejected()) + " refused as full since start";
    }

    /** Said only when it matters: an operator used to {@code kill -HUP} learns that it does nothing here. */
    static String reloadNote(BalancerStatus b) {
        return b.getSighupReloadAvailable() ? "" : "; SIGHUP does not reload it, lbctl reload does";
    }

    /** "3 backends, 2 up; 4 in flight, 1520 requests, 2 failures; least-connections on 0.0.0.0:8080, up 2h 3m" */
    static String summary(BalancerStatus b) {
        return b.getBackendsTotal() + " backend" + (b.getBackendsTotal() == 1 ? "" : "s") + ", " + b.getBackendsUp() + " up; "
                + Integer.toUnsignedString(b.getInFlight()) + " in flight, "
                + Long.toUnsignedString(b.getTotalRequests()) + " requests, "
                + Long.toUnsignedString(b.getTotalFailures()) + " failures; "
                + b.getAlgorithm() + " on " + b.getListenAddress() + ", up " + Formats.age(Formats.duration(b.getUptime()));
    }

    /** The balancer's clock at the time of the answer, so ages do not depend on this machine's clock. */
    static Instant serverNow(BalancerStatus b) {
        return Formats.instant(b.getStartedAt()).plus(Formats.duration(b.getUptime()));
    }

    static String lastCheck(BackendStatus b, Instant now) {
        if (!b.hasLastCheck()) {
            return "never";
        }
        HealthCheck check = b.getLastCheck();
        return Formats.age(java.time.Duration.between(Formats.instant(check.getTime()), now)) + " ago, "
                + check.getDetail() + ", " + Formats.millis(Formats.duration(check.getLatency()));
    }

    /** Pads columns to their widest cell; columns in [rightFrom, rightTo] are numbers, right-aligned. */
    private static void printAligned(List<String[]> rows, int rightFrom, int rightTo, PrintWriter out) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                boolean last = c == columns - 1;
                boolean right = c >= rightFrom && c <= rightTo;
                String cell = row[c];
                String pad = " ".repeat(width[c] - cell.length());
                line.append(right ? pad + cell : last ? cell : cell + pad);
                if (!last) {
                    line.append("  ");
                }
            }
            out.println(line);
        }
    }
}
