package dev.lb.balancer.config;

import java.net.URI;
import java.util.List;

/**
 * Membership from etcd (config {@code discovery.etcd}): every key under {@code prefix} is a backend.
 *
 * @param endpoints the etcd members' client URLs, e.g. {@code http://127.0.0.1:2379}; empty when etcd
 *                  discovery is off
 * @param prefix    the key prefix, e.g. {@code /lb/backends/}
 */
public record EtcdConfig(List<URI> endpoints, String prefix) {
    public static final String DEFAULT_PREFIX = "/lb/backends/";
    public static final EtcdConfig OFF = new EtcdConfig(List.of(), DEFAULT_PREFIX);

    public EtcdConfig {
        endpoints = List.copyOf(endpoints);
    }

    public boolean enabled() {
        return !endpoints.isEmpty();
    }
}
