package dev.lb.balancer.config;

import java.net.URI;
import java.util.List;

/**
 * Membership from etcd (config {@code discovery.etcd}): every key under {@code prefix} is a backend.
 *
 * @param endpoints   the etcd members' client URLs, e.g. {@code http://127.0.0.1:2379}; empty when etcd
 *                    discovery is off
 * @param prefix      the key prefix, e.g. {@code /lb/backends/}
 * @param adminPrefix where fleet-wide admin changes ({@code lbctl drain --fleet}) and the instances of the
 *                    fleet are written, e.g. {@code /lb/admin/}; apart from {@code prefix}
 */
public record EtcdConfig(List<URI> endpoints, String prefix, String adminPrefix) {
    public static final String DEFAULT_PREFIX = "/lb/backends/";
    public static final EtcdConfig OFF = new EtcdConfig(List.of(), DEFAULT_PREFIX);

    public EtcdConfig {
        endpoints = List.copyOf(endpoints);
    }

    /** A config with the admin prefix derived from {@code prefix} (see {@link #defaultAdminPrefix}). */
    public EtcdConfig(List<URI> endpoints, String prefix) {
        this(endpoints, prefix, defaultAdminPrefix(prefix));
    }

    public boolean enabled() {
        return !endpoints.isEmpty();
    }

    /**
     * The backends' prefix with its last part replaced by {@code admin/}: {@code /lb/backends/} gives
     * {@code /lb/admin/}, so one fleet's keys sit side by side and a prefix per fleet keeps fleets apart.
     */
    public static String defaultAdminPrefix(String prefix) {
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return trimmed.substring(0, trimmed.lastIndexOf('/') + 1) + "admin/";
    }

    /** Whether one of the two prefixes holds keys of the other, which would mix backends with admin keys. */
    public static boolean overlap(String prefix, String adminPrefix) {
        return prefix.startsWith(adminPrefix) || adminPrefix.startsWith(prefix);
    }
}
