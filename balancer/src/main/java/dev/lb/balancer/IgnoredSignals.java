package dev.lb.balancer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The signals this process inherited as ignored, read from Linux's {@code /proc/self/status}
 * ({@code SigIgn}, a hex mask with bit n-1 for signal n). A shell starts background jobs of a script
 * with SIGINT ignored, and {@code nohup} ignores SIGHUP; the JVM then silently installs no handler for
 * them, so a stop or reload by that signal does nothing. Reading the mask has no side effect, unlike
 * probing with a handler.
 */
final class IgnoredSignals {
    static final int SIGINT = 2;
    static final int SIGTERM = 15;

    private final long mask;

    private IgnoredSignals(long mask) {
        this.mask = mask;
    }

    /** This process's ignored signals; empty where {@code /proc} does not say (not Linux). */
    static Optional<IgnoredSignals> ofThisProcess() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/status")));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    static Optional<IgnoredSignals> parse(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("SigIgn:")) {
                try {
                    return Optional.of(new IgnoredSignals(Long.parseUnsignedLong(line.substring(7).strip(), 16)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    boolean ignores(int signal) {
        return (mask & (1L << (signal - 1))) != 0;
    }
}
