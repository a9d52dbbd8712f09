package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which threads run client requests. */
public enum ExecutorKind {
    /** Virtual threads when the JVM has them (21+), else a platform pool. */
    AUTO("auto"),
    /** A fixed pool of {@code workerThreads} platform threads. */
    PLATFORM("platform"),
    /** One virtual thread per request; requires Java 21 or newer. */
    VIRTUAL("virtual");

    private final String configName;

    ExecutorKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<ExecutorKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(k -> k.configName.equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(k -> '"' + k.configName + '"').collect(Collectors.joining(", "));
    }
}
