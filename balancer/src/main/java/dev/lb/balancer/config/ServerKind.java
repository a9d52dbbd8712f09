package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which implementation of the {@code com.sun.net.httpserver} API serves the proxy port. */
public enum ServerKind {
    /** The JDK's own server ({@code sun.net.httpserver}): the default, tested longest. */
    JDK("jdk"),
    /**
     * Jetty 12's server through its {@code jetty-http-spi} adapter: its own acceptor and selectors, so a
     * burst of new connections is accepted at once. Opt-in; see docs/configuration.md for what differs.
     */
    JETTY("jetty");

    private final String configName;

    ServerKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<ServerKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(k -> '"' + k.configName + '"').collect(Collectors.joining(", "));
    }
}
