package dev.lb.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.lb.admin.v1.AdminState;
import dev.lb.admin.v1.HealthState;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Small text conversions shared by the commands' human and JSON output. */
final class Formats {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final JsonFormat.Printer PRETTY = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();
    private static final JsonFormat.Printer COMPACT = PRETTY.omittingInsignificantWhitespace();

    private Formats() {
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    /** Local wall-clock time, "12:01:03". */
    static String clock(Instant instant) {
        return CLOCK.format(instant);
    }

    /** "UP", "DOWN", or "UNKNOWN" for a state newer than this lbctl. */
    static String state(HealthState state) {
        return switch (state) {
            case HEALTH_STATE_UP -> "UP";
            case HEALTH_STATE_DOWN -> "DOWN";
            case HEALTH_STATE_UNSPECIFIED -> "?";
            case UNRECOGNIZED -> "UNKNOWN";
        };
    }

    /** "ready", "draining", "maintenance", or "?" for a state newer than this lbctl. */
    static String adminState(AdminState state) {
        return switch (state) {
            case ADMIN_STATE_READY -> "ready";
            case ADMIN_STATE_DRAINING -> "draining";
            case ADMIN_STATE_MAINTENANCE -> "maintenance";
            case ADMIN_STATE_UNSPECIFIED, UNRECOGNIZED -> "?";
        };
    }

    /** A coarse age for people: "850ms", "4s", "5m 2s", "2h 3m", "3d 4h". */
    static String age(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long s = d.toSeconds();
        if (s < 1) {
            return d.toMillis() + "ms";
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86_400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86_400 + "d " + s % 86_400 / 3600 + "h";
    }

    /** A latency: "3 ms", "0.4 ms". */
    static String millis(Duration d) {
        long micros = d.toNanos() / 1000;
        return micros < 1000 ? String.format("%.1f ms", micros / 1000.0) : micros / 1000 + " ms";
    }

    static String json(MessageOrBuilder message) {
        return print(PRETTY, message);
    }

    static String jsonLine(MessageOrBuilder message) {
        return print(COMPACT, message);
    }

    private static String print(JsonFormat.Printer printer, MessageOrBuilder message) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
