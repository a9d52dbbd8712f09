package dev.lb.balancer.config;

/**
 * A {@code servers} entry that names a DNS name instead of one backend: every address (A/AAAA) or every
 * SRV target the name resolves to is a backend.
 *
 * @param kind           which records are asked for
 * @param name           the DNS name, e.g. {@code api.internal} or {@code _http._tcp.api.internal}
 * @param port           the backends' port for A/AAAA; unused for SRV, whose records carry the port
 * @param scheme         {@code http} or {@code https}
 * @param weight         each address's weight for A/AAAA; SRV records carry their own
 * @param maxConnections each backend's cap on requests in flight, {@link ServerConfig#NO_LIMIT} for none
 */
public record DnsTarget(Kind kind, String name, int port, String scheme, int weight, int maxConnections) {
    /** The record types a target asks for. */
    public enum Kind {
        /** A and AAAA records: one backend per address, on the entry's port. */
        ADDRESS,
        /** SRV records: one backend per target, on the record's port, with the record's weight. */
        SRV
    }

    /** How the config writes this entry, e.g. {@code dns api.internal:8080} or {@code srv _http._tcp.api}. */
    public String label() {
        return kind == Kind.SRV ? "srv " + name : "dns " + name + ":" + port;
    }
}
