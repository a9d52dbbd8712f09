package dev.lb.balancer.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The backend selection algorithms a config may name. */
public enum Algorithm {
    LEAST_CONNECTIONS("least-connections"),
    ROUND_ROBIN("round-robin"),
    /** Consistent hashing of a request key with bounded loads; see {@link HashConfig}. */
    HASH("hash");

    private final String configName;

    Algorithm(String configName) {
        this.configName = configName;
    }

    /** The name used in the config file and shown to operators. */
    public String configName() {
        return configName;
    }

    public static Optional<Algorithm> fromConfigName(String name) {
        return Arrays.stream(values()).filter(a -> a.configName.equals(name)).findFirst();
    }

    public static String allNames() {
        return Arrays.stream(values()).map(a -> '"' + a.configName + '"').collect(Collectors.joining(", "));
    }
}
