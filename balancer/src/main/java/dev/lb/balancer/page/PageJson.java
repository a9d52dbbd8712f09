package dev.lb.balancer.page;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.BalancerStatus;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.balancer.admin.StatusReader;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.ReloadOutcome;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;

/**
 * The page's JSON: the whole state (what {@code GET /api/status} answers and each {@code snapshot} and
 * {@code stats} event carries) and the single events. The balancer's and backends' facts come from the
 * {@link StatusReader} that serves {@code lbctl status}; rates and history from the {@link StatusHistory}.
 * Times are epoch milliseconds, durations milliseconds, ratios 0 to 1; null where nothing was measured.
 */
final class PageJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PageJson() {
    }

    /** The whole page at {@code now}. */
    static String state(StatusReader reader, StatusHistory history, Instant now) {
        GetStatusResponse status = reader.status();
        ObjectNode root = MAPPER.createObjectNode().put("time", now.toEpochMilli());
        root.putObject("windows").put("nowSeconds", RateRing.NOW_READINGS)
                .put("sparkSeconds", RateRing.POINTS * RateRing.POINT_READINGS)
                .put("stripSeconds", HealthStrip.WINDOW.toSeconds());
        balancer(root.putObject("balancer"), status.getBalancer(), history.total().now());
        ArrayNode backends = root.putArray("backends");
        for (BackendStatus b : status.getBackendsList()) {
            backend(backends.addObject(), b, history, now);
        }
        return write(root);
    }

    private static void balancer(ObjectNode node, BalancerStatus b, RateRing.Rates rates) {
        node.put("listen", b.getListenAddress())
                .put("algorithm", b.getAlgorithm())
                .put("version", b.getVersion())
                .put("startedAt", millis(b.getStartedAt()))
                .put("uptimeMs", millis(b.getUptime()))
                .put("healthCheckIntervalMs", millis(b.getHealthCheckInterval()))
                .put("inFlight", b.getInFlight())
                .put("backendsUp", b.getBackendsUp())
                .put("backendsTotal", b.getBackendsTotal())
                .put("totalRequests", b.getTotalRequests());
        rates(node, rates);
        number(node, "p50Ms", rates.p50Seconds() * 1000);
        if (b.hasQueue()) {
            node.putObject("queue").put("length", b.getQueue().getLength()).put("maxSize", b.getQueue().getMaxSize());
        }
    }

    private static void backend(ObjectNode node, BackendStatus b, StatusHistory history, Instant now) {
        String health = word(b.getHealth().name(), "HEALTH_STATE_");
        String admin = word(b.getAdminState().name(), "ADMIN_STATE_");
        node.put("name", b.getName())
                .put("url", b.getUrl())
                .put("health", health)
                .put("admin", admin)
                .put("weight", b.getWeight())
                .put("inFlight", b.getInFlight())
                .put("maxConnections", b.getMaxConnections())
                .put("totalRequests", b.getTotalRequests())
                .put("lastError", b.getLastError());
        if (b.hasLastCheck()) {
            node.putObject("lastCheck")
                    .put("at", millis(b.getLastCheck().getTime()))
                    .put("latencyMs", millis(b.getLastCheck().getLatency()))
                    .put("passed", b.getLastCheck().getPassed())
                    .put("detail", b.getLastCheck().getDetail());
        } else {
            node.putNull("lastCheck");
        }
        StatusHistory.Tracked tracked = history.backend(b.getName()).orElse(null);
        rates(node, tracked == null ? RateRing.Rates.NONE : tracked.rates().now());
        ArrayNode strip = node.putArray("strip");
        ArrayNode spark = node.putArray("spark");
        if (tracked != null) {
            for (HealthStrip.Band band : tracked.strip().bands(now)) {
                strip.addObject().put("from", band.from().toEpochMilli()).put("state", band.state()).put("reason", band.reason());
            }
            for (RateRing.Point point : tracked.rates().points()) {
                ObjectNode p = spark.addObject().put("at", point.at().toEpochMilli());
                number(p, "rps", point.perSecond());
                number(p, "p99Ms", point.p99Seconds() * 1000);
            }
        }
    }

    private static void rates(ObjectNode node, RateRing.Rates rates) {
        number(node, "rps", rates.perSecond());
        number(node, "errorRatio", rates.errorRatio());
        number(node, "p99Ms", rates.p99Seconds() * 1000);
    }

    /** A health change, as the {@code health} event carries it. */
    static String event(HealthEvent e) {
        return write(MAPPER.createObjectNode().put("backend", e.backend()).put("url", e.url())
                .put("from", e.from().name()).put("to", e.to().name()).put("reason", e.reason())
                .put("at", e.at().toEpochMilli()));
    }

    /** An admin change, as the {@code admin} event carries it; states as the page writes them (DRAINING). */
    static String event(AdminEvent e) {
        boolean state = e.change() == AdminEvent.Change.STATE;
        return write(MAPPER.createObjectNode().put("backend", e.backend()).put("url", e.url())
                .put("change", e.change().name())
                .put("from", state ? e.from().toUpperCase(Locale.ROOT) : e.from())
                .put("to", state ? e.to().toUpperCase(Locale.ROOT) : e.to())
                .put("actor", e.actor()).put("at", e.at().toEpochMilli()));
    }

    /** A config reload, as the {@code reload} event carries it. */
    static String event(ReloadOutcome outcome) {
        return write(MAPPER.createObjectNode().put("applied", outcome.applied())
                .put("summary", outcome.summary()).put("actor", outcome.actor()).put("at", outcome.at().toEpochMilli()));
    }

    /** "HEALTH_STATE_UP" to "UP". */
    private static String word(String protoName, String prefix) {
        return protoName.startsWith(prefix) ? protoName.substring(prefix.length()) : protoName;
    }

    private static void number(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, Math.round(value * 1000) / 1000.0);
        } else {
            node.putNull(field);
        }
    }

    private static long millis(Timestamp t) {
        return t.getSeconds() * 1000 + t.getNanos() / 1_000_000;
    }

    private static long millis(Duration d) {
        return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    }

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
