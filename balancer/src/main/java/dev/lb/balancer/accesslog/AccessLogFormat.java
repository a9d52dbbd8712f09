package dev.lb.balancer.accesslog;

import dev.lb.balancer.config.AccessLogConfig;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Turns an entry into one line. Every string from the client or a backend is escaped, so no header
 * value can end a line early or forge a line of its own: in "combined" as nginx escapes its variables
 * (a backslash-x and two hex digits for a quote, a backslash and every byte outside printable ASCII), in JSON with
 * backslash-u and four hex digits.
 */
public final class AccessLogFormat {
    /** nginx's {@code $time_local}: {@code 28/Nov/2026:07:37:56 +0000}. */
    static final DateTimeFormatter COMBINED_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    /** RFC 3339 with milliseconds, always UTC: {@code 2026-11-28T07:37:56.123Z}. */
    static final DateTimeFormatter RFC3339_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AccessLogFormat() {
    }

    /** The line for {@code entry}, without its line end. */
    public static String format(AccessLogConfig.Format format, AccessLogEntry entry) {
        return switch (format) {
            case COMBINED -> combined(entry);
            case JSON -> json(entry);
        };
    }

    /**
     * nginx's {@code combined} followed by {@code $request_time}: {@code client - - [time] "request"
     * status bytes "referer" "user-agent" seconds}. A missing value is {@code -}, as nginx writes it.
     */
    static String combined(AccessLogEntry e) {
        StringBuilder line = new StringBuilder(160);
        line.append(e.client()).append(" - - [").append(COMBINED_TIME.format(e.time())).append("] \"");
        escapeCombined(line, e.method());
        line.append(' ');
        escapeCombined(line, e.target());
        line.append(' ');
        escapeCombined(line, e.protocol());
        line.append("\" ").append(e.status()).append(' ').append(e.bytesOut()).append(" \"");
        escapeCombined(line, e.referer().isEmpty() ? "-" : e.referer());
        line.append("\" \"");
        escapeCombined(line, e.userAgent().isEmpty() ? "-" : e.userAgent());
        line.append("\" ");
        appendMillis(line, e.durationNanos() / 1000, 6);
        return line.toString();
    }

    static String json(AccessLogEntry e) {
        StringBuilder line = new StringBuilder(320);
        line.append("{\"time\":\"").append(RFC3339_MILLIS.format(e.time())).append('"');
        string(line, "client", e.client());
        string(line, "method", e.method());
        string(line, "path", e.target());
        string(line, "protocol", e.protocol());
        line.append(",\"status\":").append(e.status());
        line.append(",\"bytesIn\":").append(e.bytesIn());
        line.append(",\"bytesOut\":").append(e.bytesOut());
        line.append(",\"durationMs\":");
        appendMillis(line, e.durationNanos() / 1000, 3);
        string(line, "backend", e.backend());
        line.append(",\"backendMs\":");
        if (e.backendNanos() < 0) {
            line.append("null");
        } else {
            appendMillis(line, e.backendNanos() / 1000, 3);
        }
        line.append(",\"retries\":").append(e.retries());
        string(line, "requestId", e.requestId());
        string(line, "userAgent", e.userAgent());
        string(line, "referer", e.referer());
        string(line, "error", e.error());
        return line.append('}').toString();
    }

    /** {@code micros} divided by 10^{@code point} with that many decimals: no double, no locale. */
    private static void appendMillis(StringBuilder line, long micros, int point) {
        long scale = point == 6 ? 1_000_000 : 1_000;
        line.append(micros / scale).append('.');
        String fraction = Long.toString(micros % scale);
        line.append("0".repeat(point - fraction.length())).append(fraction);
    }

    private static void string(StringBuilder line, String name, String value) {
        line.append(",\"").append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                // Control characters, and anything a log reader might take for a line end (U+2028).
                line.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                line.append(c);
            }
        }
        line.append('"');
    }

    private static void escapeCombined(StringBuilder line, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else if (c < 0x20 || c > 0x7e) {
                // The JDK server hands header bytes over as ISO-8859-1 chars, so c is a byte here.
                if (c > 0xff) {
                    line.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                } else {
                    line.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                }
            } else {
                line.append(c);
            }
        }
    }
}
