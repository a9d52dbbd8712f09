package dev.lb.balancer.util;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/**
 * The process's open-files limit: every client connection and every backend connection takes a file
 * descriptor, so this caps the connections the balancer can hold. HotSpot raises the soft limit to the
 * hard limit when the JVM starts on Linux and macOS ({@code -XX:+MaxFDLimit}, on by default), as HAProxy
 * does for itself, so the balancer reads the limit in effect rather than setting it.
 */
public final class OpenFiles {
    /** Below this, a few thousand connections exhaust descriptors; the start-up log says so. */
    public static final long LOW_LIMIT = 4096;

    private OpenFiles() {
    }

    /** The limit in effect, when the platform reports it (Unix-like systems). */
    public static OptionalLong limit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** Descriptors open now, when the platform reports it. */
    public static OptionalLong open() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return OptionalLong.of(unix.getOpenFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** Whether {@code limit} is low enough to warn about. */
    public static boolean low(long limit) {
        return limit < LOW_LIMIT;
    }
}
