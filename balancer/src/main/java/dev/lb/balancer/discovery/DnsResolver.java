package dev.lb.balancer.discovery;

import dev.lb.balancer.config.BackendUrls;
import dev.lb.balancer.config.DnsConfig;
import dev.lb.balancer.config.DnsTarget;
import dev.lb.balancer.config.ServerConfig;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks name servers for a {@link DnsTarget}'s records with dnsjava, and turns them into backends. The
 * JDK's {@code InetAddress} cannot be used: it caches answers for its own time, hides their TTLs and
 * cannot ask for SRV records. Blocking; called from the DNS discovery thread only.
 */
final class DnsResolver {
    /** Per query and server; the discovery thread waits at most this times the servers and retries. */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);
    /** SRV weights are 0 to 65535; a backend weight is at most 1000. */
    private static final int MAX_WEIGHT = 1000;

    private final Resolver resolver;

    DnsResolver(DnsConfig config) {
        if (config.nameservers().isEmpty()) {
            ExtendedResolver system = new ExtendedResolver();
            system.setTimeout(QUERY_TIMEOUT);
            this.resolver = system;
        } else {
            List<Resolver> servers = new ArrayList<>();
            for (var address : config.nameservers()) {
                SimpleResolver server = new SimpleResolver(address);
                server.setTimeout(QUERY_TIMEOUT);
                servers.add(server);
            }
            ExtendedResolver any = new ExtendedResolver(servers);
            any.setTimeout(QUERY_TIMEOUT);
            any.setLoadBalance(false);
            this.resolver = any;
        }
    }

    /** The backends the target's name gives now, and the shortest TTL among the records read. */
    Answer resolve(DnsTarget target) throws DiscoveryException {
        return target.kind() == DnsTarget.Kind.SRV ? srv(target) : addresses(target);
    }

    private Answer addresses(DnsTarget target) throws DiscoveryException {
        Records found = addressRecords(target.name());
        List<ServerConfig> backends = new ArrayList<>();
        for (InetAddress address : found.addresses()) {
            backends.add(backend(target.scheme(), address, target.port(), target.weight(), target.maxConnections()));
        }
        return new Answer(backends, found.ttl());
    }

    private Answer srv(DnsTarget target) throws DiscoveryException {
        Message response = query(target.name(), Type.SRV);
        List<SRVRecord> records = response.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof SRVRecord).map(r -> (SRVRecord) r)
                .filter(r -> !r.getTarget().equals(Name.root)) // "." means "no such service here" (RFC 2782)
                .toList();
        Duration ttl = minTtl(null, response.getSection(Section.ANSWER));
        // Only the lowest priority is used: higher ones are for when it is gone entirely (RFC 2782).
        int priority = records.stream().mapToInt(SRVRecord::getPriority).min().orElse(0);
        boolean allZero = records.stream().filter(r -> r.getPriority() == priority).allMatch(r -> r.getWeight() == 0);
        Map<URI, ServerConfig> backends = new LinkedHashMap<>();
        for (SRVRecord record : records.stream().filter(r -> r.getPriority() == priority)
                .sorted(Comparator.comparing(r -> r.getTarget().toString())).toList()) {
            Records host = addressRecords(record.getTarget().toString());
            ttl = shorter(ttl, host.ttl());
            int weight = allZero ? 1 : Math.min(record.getWeight(), MAX_WEIGHT);
            for (InetAddress address : host.addresses()) {
                ServerConfig server = backend(target.scheme(), address, record.getPort(), weight,
                        target.maxConnections());
                backends.putIfAbsent(server.url(), server);
            }
        }
        return new Answer(List.copyOf(backends.values()), ttl);
    }

    private record Records(List<InetAddress> addresses, Duration ttl) {
    }

    /** A and AAAA records of a name, IPv4 first. */
    private Records addressRecords(String name) throws DiscoveryException {
        List<InetAddress> addresses = new ArrayList<>();
        Duration ttl = null;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Message response = query(name, type);
            for (Record record : response.getSection(Section.ANSWER)) {
                if (record instanceof ARecord a) {
                    addresses.add(a.getAddress());
                } else if (record instanceof AAAARecord aaaa) {
                    addresses.add(aaaa.getAddress());
                }
            }
            ttl = minTtl(ttl, response.getSection(Section.ANSWER));
        }
        return new Records(addresses, ttl);
    }

    /** One query; a name that does not exist is an empty answer, a server that fails is an error. */
    private Message query(String name, int type) throws DiscoveryException {
        Message response;
        try {
            Record question = Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN);
            response = resolver.send(Message.newQuery(question));
        } catch (TextParseException e) {
            throw new DiscoveryException("\"" + name + "\" is not a DNS name: " + e.getMessage());
        } catch (IOException e) {
            throw new DiscoveryException(Type.string(type) + " " + name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        int rcode = response.getRcode();
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            throw new DiscoveryException(Type.string(type) + " " + name + ": the name server answered " + Rcode.string(rcode));
        }
        return response;
    }

    private static Duration minTtl(Duration ttl, List<Record> records) {
        for (Record record : records) {
            ttl = shorter(ttl, Duration.ofSeconds(record.getTTL()));
        }
        return ttl;
    }

    private static Duration shorter(Duration a, Duration b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
    }

    private static ServerConfig backend(String scheme, InetAddress address, int port, int weight, int maxConnections) {
        String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        URI url = BackendUrls.parse(scheme + "://" + host + ":" + port);
        return new ServerConfig(url, url.toString(), weight, false, maxConnections);
    }
}
