package dev.lb.balancer.discovery;

import dev.lb.balancer.config.ServerConfig;

import java.time.Duration;
import java.util.List;

/**
 * What a source says the backends are, at one instant.
 *
 * @param backends the backends named, each once
 * @param ttl      how long the answer may be trusted (DNS: the shortest record TTL); null when the source
 *                 does not say
 */
public record Answer(List<ServerConfig> backends, Duration ttl) {
    public Answer {
        backends = List.copyOf(backends);
    }
}
