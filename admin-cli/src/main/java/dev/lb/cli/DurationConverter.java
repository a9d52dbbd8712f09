package dev.lb.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads "30s", "500ms", "2m", "1h", or a plain number of seconds, as picocli option values. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORMAT.matcher(value.strip());
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("\"" + value + "\" is not a duration; write e.g. 30s, 500ms, 2m or 1h");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 1000;
        };
        if (millis < 1 || millis > Duration.ofDays(1).toMillis()) {
            throw new CommandLine.TypeConversionException("\"" + value + "\" is out of range; use 1ms to 24h");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
