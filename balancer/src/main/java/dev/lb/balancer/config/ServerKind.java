package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which implementation of the {@code com.sun.net.httpserver} API serves the proxy port. */
public enum ServerKind {
    /** The JDK's own server ({@code sun.net.httpserver}): what {@link #AUTO} is on Java 17. */
    JDK("jdk"),
    /**
     * Jetty 12's server through its {@code jetty-http-spi} adapter: its own acceptor and selectors, so a
     * burst of new connections is accepted at once. Opt-in; see docs/configuration.md for what differs.
     */
    JETTY("jetty"),
    /**
     * robaho's {@code httpserver} (io.github.robaho:httpserver): the JDK's server reworked for virtual
     * threads, one virtual thread per connection reading requests with blocking I/O, and a dispatcher
     * that only accepts. Needs Java 21 or newer (its classes are compiled for 21).
     */
    ROBAHO("robaho"),
    /**
     * The default: {@link #ROBAHO} on Java 21 or newer, {@link #JDK} before (see {@link #resolve(int)}).
     * robaho's server accepts a burst of connections at once and passes no request through a shared
     * thread, the two causes of the JDK server's errors and tail at many connections (docs/performance.md).
     */
    AUTO("auto");

    /** The first Java release robaho's server runs on (class file version 65). */
    public static final int ROBAHO_MIN_JAVA = 21;

    private final String configName;

    ServerKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /**
     * The server that serves on a JVM of feature release {@code javaFeature}: {@link #AUTO} becomes the
     * best one that runs there; an explicit choice stays as it is.
     *
     * @throws IllegalStateException with a one-line message naming the fix when the choice cannot run there
     */
    public ServerKind resolve(int javaFeature) {
        return switch (this) {
            case AUTO -> javaFeature >= ROBAHO_MIN_JAVA ? ROBAHO : JDK;
            case ROBAHO -> {
                if (javaFeature < ROBAHO_MIN_JAVA) {
                    throw new IllegalStateException("\"server\": \"robaho\" needs Java " + ROBAHO_MIN_JAVA
                            + " or newer; this is Java " + javaFeature + " (use \"auto\" or \"jdk\", or run a newer JDK)");
                }
                yield ROBAHO;
            }
            default -> this;
        };
    }

    public static Optional<ServerKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(k -> '"' + k.configName + '"').collect(Collectors.joining(", "));
    }
}
