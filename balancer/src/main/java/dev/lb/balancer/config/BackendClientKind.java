package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which HTTP client carries requests to {@code http://} backends; {@code https://} ones always go through OkHttp. */
public enum BackendClientKind {
    /**
     * The balancer's own HTTP/1.1 exchange on pooled blocking sockets: the default, as it proxies more
     * requests per CPU second than OkHttp on the bench (docs/performance.md).
     */
    DIRECT("direct"),
    /** OkHttp, the client https backends use: one client for every backend. */
    OKHTTP("okhttp");

    private final String configName;

    BackendClientKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<BackendClientKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(k -> '"' + k.configName + '"').collect(Collectors.joining(", "));
    }
}
