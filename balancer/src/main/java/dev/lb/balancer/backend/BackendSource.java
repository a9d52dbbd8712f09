package dev.lb.balancer.backend;

/**
 * Where a backend in the pool came from, shown by {@code lbctl status}: the config file's {@code servers},
 * an operator's {@code lbctl add}, or a shared source (a DNS name, an etcd prefix) that also decides when
 * it leaves.
 *
 * @param kind   the kind of source
 * @param detail which one, e.g. {@code srv _http._tcp.api.internal} or {@code etcd /lb/backends/}; empty
 *               for the file and operators
 */
public record BackendSource(Kind kind, String detail) {
    /** The kinds of source. */
    public enum Kind { CONFIG, ADMIN, DNS, ETCD }

    public static final BackendSource CONFIG = new BackendSource(Kind.CONFIG, "");
    public static final BackendSource ADMIN = new BackendSource(Kind.ADMIN, "");

    /** Whether the source, not the config file, decides when this backend leaves: reloads leave it alone. */
    public boolean discovered() {
        return kind == Kind.DNS || kind == Kind.ETCD;
    }

    /** For people: {@code config}, {@code admin}, or the discovered source's detail. */
    public String label() {
        return detail.isEmpty() ? kind.name().toLowerCase(java.util.Locale.ROOT) : detail;
    }
}
