package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The access log: one line per client request.
 *
 * @param enabled whether it is written at all
 * @param path    the file appended to, or {@value #STDOUT} for standard output
 * @param format  the line format
 */
public record AccessLogConfig(boolean enabled, String path, Format format) {
    /** The path that means standard output. */
    public static final String STDOUT = "-";
    public static final AccessLogConfig OFF = new AccessLogConfig(false, STDOUT, Format.COMBINED);

    /** Line formats, by their config names. */
    public enum Format {
        /** nginx's and Apache's "combined", followed by the request time in seconds. */
        COMBINED("combined"),
        /** One JSON object per line. */
        JSON("json");

        private final String configName;

        Format(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        static Optional<Format> fromConfigName(String name) {
            return Arrays.stream(values()).filter(f -> f.configName.equals(name)).findFirst();
        }

        static String allNames() {
            return Arrays.stream(values()).map(f -> "\"" + f.configName + "\"").collect(Collectors.joining(", "));
        }
    }

    public boolean toStdout() {
        return STDOUT.equals(path);
    }
}
