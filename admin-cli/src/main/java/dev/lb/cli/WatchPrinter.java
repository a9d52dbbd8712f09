package dev.lb.cli;

import dev.lb.admin.v1.AdminChange;
import dev.lb.admin.v1.AdminState;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.EjectionEvent;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthEvent;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.Snapshot;
import dev.lb.admin.v1.SnapshotReason;
import dev.lb.admin.v1.StatsUpdate;
import dev.lb.admin.v1.WatchEvent;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;

/** Prints Watch events: one readable, timestamped line each, or one JSON object per line. */
abstract class WatchPrinter {
    protected final PrintWriter out;

    WatchPrinter(PrintWriter out) {
        this.out = out;
    }

    static WatchPrinter forMode(boolean json, PrintWriter out) {
        return json ? new Json(out) : new Human(out);
    }

    final void print(WatchEvent event) {
        write(event);
        out.flush();
    }

    abstract void write(WatchEvent event);

    /** {@code --json}: the event exactly as the API sends it, on one line. */
    static final class Json extends WatchPrinter {
        Json(PrintWriter out) {
            super(out);
        }

        @Override
        void write(WatchEvent event) {
            out.println(Formats.jsonLine(event));
        }
    }

    /** For people: "12:01:03 DOWN http://localhost:8002 (connection refused)". */
    static final class Human extends WatchPrinter {
        private StatsUpdate previous;

        Human(PrintWriter out) {
            super(out);
        }

        @Override
        void write(WatchEvent event) {
            switch (event.getEventCase()) {
                case SNAPSHOT -> snapshot(event.getSnapshot());
                case HEALTH -> out.println(health(event.getHealth()));
                case STATS -> stats(event.getStats());
                case ADMIN -> out.println(admin(event.getAdmin()));
                case RELOAD -> out.println(reload(event.getReload()));
                case EJECTION -> out.println(ejection(event.getEjection()));
                case SOURCE -> out.println(source(event.getSource()));
                default -> { } // a kind of event newer than this lbctl; the JSON mode shows it
            }
        }

        private void snapshot(Snapshot snapshot) {
            GetStatusResponse status = snapshot.getStatus();
            Instant now = StatusTable.serverNow(status.getBalancer());
            String time = Formats.clock(now);
            String what = snapshot.getReason() == SnapshotReason.SNAPSHOT_REASON_RESYNC
                    ? "fell behind, fresh snapshot: " : "";
            out.println(time + " " + what + StatusTable.summary(status.getBalancer()));
            for (BackendStatus b : status.getBackendsList()) {
                String reason = b.getHealth() == HealthState.HEALTH_STATE_UP || b.getLastError().isEmpty()
                        ? "" : " (" + b.getLastError() + ")";
                String admin = b.getAdminState() == AdminState.ADMIN_STATE_READY ? ""
                        : " [" + Formats.adminState(b.getAdminState()) + "]";
                out.println(time + " " + state(b.getHealth()) + " " + display(b.getName(), b.getUrl()) + admin + reason);
            }
            previous = null;
        }

        static String health(HealthEvent e) {
            return Formats.clock(Formats.instant(e.getTime())) + " " + state(e.getNewState()) + " "
                    + display(e.getBackend(), e.getUrl()) + " (" + e.getReason() + ")";
        }

        /** "12:01:03 DRAIN http://localhost:8002 ready -> draining (by root@host)" */
        static String admin(AdminChange c) {
            String what = switch (c.getKind()) {
                case ADMIN_CHANGE_KIND_STATE -> verb(c.getNewValue()) + " " + display(c.getBackend(), c.getUrl()) + " "
                        + c.getOldValue() + " -> " + c.getNewValue();
                case ADMIN_CHANGE_KIND_WEIGHT -> "WEIGHT " + display(c.getBackend(), c.getUrl()) + " "
                        + c.getOldValue() + " -> " + c.getNewValue();
                case ADMIN_CHANGE_KIND_ADDED -> "ADDED " + display(c.getBackend(), c.getUrl())
                        + (c.getNewValue().isEmpty() ? "" : " " + c.getNewValue());
                case ADMIN_CHANGE_KIND_REMOVED -> "REMOVED " + display(c.getBackend(), c.getUrl());
                case ADMIN_CHANGE_KIND_DRAINED -> "DRAINED " + display(c.getBackend(), c.getUrl()) + " " + c.getNewValue();
                default -> "CHANGED " + display(c.getBackend(), c.getUrl()) + " " + c.getOldValue() + " -> " + c.getNewValue();
            };
            return Formats.clock(Formats.instant(c.getTime())) + " " + what + " (by " + c.getActor() + ")";
        }

        /** The command word an admin state change reads as. */
        private static String verb(String newState) {
            return switch (newState) {
                case "draining" -> "DRAIN";
                case "maintenance" -> "DISABLE";
                case "ready" -> "ENABLE";
                default -> "STATE";
            };
        }

        /** "12:01:03 EJECTED http://localhost:8002 for 30s (5 consecutive 5xx)" */
        static String ejection(EjectionEvent e) {
            String what = switch (e.getKind()) {
                case EJECTION_EVENT_KIND_EJECTED -> "EJECTED " + display(e.getBackend(), e.getUrl()) + " for "
                        + Formats.age(Formats.duration(e.getEjection()));
                case EJECTION_EVENT_KIND_RETURNED -> "PROBATION " + display(e.getBackend(), e.getUrl());
                case EJECTION_EVENT_KIND_READMITTED -> "READMITTED " + display(e.getBackend(), e.getUrl());
                case EJECTION_EVENT_KIND_ENDED -> "UNEJECTED " + display(e.getBackend(), e.getUrl());
                default -> "EJECTION " + display(e.getBackend(), e.getUrl());
            };
            return Formats.clock(Formats.instant(e.getTime())) + " " + what + " (" + e.getReason() + ")";
        }

        /**
         * "12:01:03 SOURCE FAILING etcd /lb/backends/ (UNAVAILABLE: io exception), keeping 3 backends" or
         * "12:01:09 SOURCE OK etcd /lb/backends/, 3 backends".
         */
        static String source(dev.lb.admin.v1.DiscoverySourceEvent e) {
            String time = Formats.clock(Formats.instant(e.getTime()));
            String backends = Integer.toUnsignedString(e.getBackends()) + " backend" + (e.getBackends() == 1 ? "" : "s");
            return e.getState() == dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_FAILING
                    ? time + " SOURCE FAILING " + e.getName() + " (" + e.getReason() + "), keeping " + backends
                    : time + " SOURCE OK " + e.getName() + ", " + backends;
        }

        /** "12:05:00 RELOAD /etc/lb.json: added ...; ... (by SIGHUP)" or "12:05:00 RELOAD REJECTED ..." */
        static String reload(ReloadOutcome r) {
            String time = Formats.clock(Formats.instant(r.getTime()));
            if (!r.getApplied()) {
                return time + " RELOAD REJECTED " + r.getError() + " (by " + r.getActor() + ")";
            }
            String what = r.getChangesCount() == 0 ? "no changes" : String.join("; ", r.getChangesList());
            String restart = r.getNeedsRestartCount() == 0 ? ""
                    : "; needs a restart: " + String.join(", ", r.getNeedsRestartList());
            return time + " RELOAD " + r.getSource() + ": " + what + restart + " (by " + r.getActor() + ")";
        }

        private void stats(StatsUpdate s) {
            StringBuilder line = new StringBuilder()
                    .append(Formats.clock(Formats.instant(s.getTime())))
                    .append(" stats up ").append(s.getBackendsUp()).append('/').append(s.getBackendsTotal())
                    .append(", in-flight ").append(Integer.toUnsignedString(s.getInFlight()))
                    .append(", requests ").append(Long.toUnsignedString(s.getTotalRequests()));
            Duration elapsed = previous == null ? Duration.ZERO
                    : Duration.between(Formats.instant(previous.getTime()), Formats.instant(s.getTime()));
            if (!elapsed.isZero() && !elapsed.isNegative()) {
                double seconds = elapsed.toNanos() / 1e9;
                line.append(String.format(" (%.1f/s)", (s.getTotalRequests() - previous.getTotalRequests()) / seconds));
            }
            line.append(", failures ").append(Long.toUnsignedString(s.getTotalFailures()));
            if (!elapsed.isZero() && !elapsed.isNegative() && s.getTotalFailures() != previous.getTotalFailures()) {
                line.append(" (+").append(s.getTotalFailures() - previous.getTotalFailures()).append(')');
            }
            if (s.getBackendsList().stream().anyMatch(b -> b.getMaxConnections() != 0) || StatusTable.queueUsed(s.getQueue())) {
                line.append(", queue ").append(Integer.toUnsignedString(s.getQueue().getLength()))
                        .append(" (timed out ").append(Long.toUnsignedString(s.getQueue().getTotalTimeouts()))
                        .append(", refused as full ").append(Long.toUnsignedString(s.getQueue().getTotalRejected())).append(')');
            }
            long ejected = s.getBackendsList().stream().filter(b -> b.getEjected()).count();
            if (ejected != 0) {
                line.append(", ejected ").append(ejected);
            }
            s.getBackendsList().stream().filter(b -> b.getSlowStartPercent() != 0).forEach(b ->
                    line.append(", ramp ").append(b.getName()).append(' ').append(b.getSlowStartPercent()).append('%'));
            out.println(line);
            previous = s;
        }

        /** Padded so that URLs line up under each other. */
        private static String state(HealthState state) {
            return String.format("%-4s", Formats.state(state));
        }

        private static String display(String name, String url) {
            return name.equals(url) ? url : name + " " + url;
        }
    }
}
