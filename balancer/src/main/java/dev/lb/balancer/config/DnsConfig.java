package dev.lb.balancer.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How {@link DnsTarget}s are resolved (config {@code dns}).
 *
 * @param refresh     the longest time between two resolutions of one name; a shorter record TTL wins
 * @param nameservers the servers asked, in order (HAProxy's {@code resolvers}); empty for the system's
 */
public record DnsConfig(Duration refresh, List<InetSocketAddress> nameservers) {
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
    public static final DnsConfig DEFAULT = new DnsConfig(DEFAULT_REFRESH, List.of());

    public DnsConfig {
        nameservers = List.copyOf(nameservers);
    }
}
