package dev.lb.balancer.discovery;

import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.Dnsmasq;
import dev.lb.balancer.testing.ExternalPrograms;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backends named by DNS, answered by a real dnsmasq whose hosts file the test rewrites: the pool follows
 * the answers within a refresh, SRV weights apply, and a name server that stops answering changes nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DnsDiscoveryTest {
    private static final Duration FOLLOW = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private Path dnsmasqProgram;
    private final List<HttpServer> backends = new ArrayList<>();
    private Dnsmasq dnsmasq;
    private Balancer balancer;

    @BeforeEach
    void needDnsmasq() {
        var found = ExternalPrograms.find("dnsmasq");
        Assumptions.assumeTrue(found.isPresent(),
                "dnsmasq is not installed (Debian: apt-get install dnsmasq); DNS discovery is not tested here");
        dnsmasqProgram = found.get();
    }

    @AfterEach
    void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (dnsmasq != null) {
            dnsmasq.close();
        }
        backends.forEach(b -> b.stop(0));
    }

    @Test
    void addressesFollowTheHostsFileWithinOneRefresh() throws Exception {
        // given backends on 127.0.0.2 and 127.0.0.3, one port, and a name that gives only the first
        int port = backend("127.0.0.2", 0);
        backend("127.0.0.3", port);
        dnsmasq = Dnsmasq.start(dnsmasqProgram, dir, "127.0.0.2 api.test\n", List.of());
        balancer = start("{\"dns\": \"api.test:" + port + "\"}");
        Await.until("127.0.0.2 joins and passes its check", FOLLOW,
                () -> upUrls().equals(Set.of("http://127.0.0.2:" + port)));
        Backend joined = balancer.pool().all().get(0);
        assertEquals(new BackendSource(BackendSource.Kind.DNS, "dns api.test:" + port), joined.source());

        // when the name gains the second address
        dnsmasq.hosts("127.0.0.2 api.test\n127.0.0.3 api.test\n");

        // then it joins
        Await.until("127.0.0.3 joins", FOLLOW,
                () -> upUrls().equals(Set.of("http://127.0.0.2:" + port, "http://127.0.0.3:" + port)));

        // when the first address leaves the name, it is drained and dropped
        dnsmasq.hosts("127.0.0.3 api.test\n");
        Await.until("127.0.0.2 leaves", FOLLOW,
                () -> urls().equals(Set.of("http://127.0.0.3:" + port)));
    }

    @Test
    void srvRecordsGiveEachTargetItsPortAndWeight() throws Exception {
        // given two backends behind one SRV name, weighted 3 and 1
        int a = backend("127.0.0.1", 0);
        int b = backend("127.0.0.1", 0);
        dnsmasq = Dnsmasq.start(dnsmasqProgram, dir, "127.0.0.1 a.test\n127.0.0.1 b.test\n",
                List.of("_http._tcp.api.test,a.test," + a + ",0,3", "_http._tcp.api.test,b.test," + b + ",0,1"));

        // when the balancer follows the SRV name
        balancer = start("{\"srv\": \"_http._tcp.api.test\"}");

        // then both targets are backends, with the records' ports and weights
        Await.until("both SRV targets join and pass their checks", FOLLOW, () -> upUrls().size() == 2);
        Map<String, Integer> weights = balancer.pool().all().stream()
                .collect(Collectors.toMap(x -> x.url().toString(), Backend::weight));
        assertEquals(Map.of("http://127.0.0.1:" + a, 3, "http://127.0.0.1:" + b, 1), weights);
    }

    @Test
    void aNameServerThatStopsAnsweringLeavesTheBackendsInPlace() throws Exception {
        // given a backend found through a name
        int port = backend("127.0.0.2", 0);
        dnsmasq = Dnsmasq.start(dnsmasqProgram, dir, "127.0.0.2 api.test\n", List.of());
        balancer = start("{\"dns\": \"api.test:" + port + "\"}");
        Await.until("the backend joins", FOLLOW, () -> upUrls().size() == 1);

        // when the name server goes away
        dnsmasq.close();
        dnsmasq = null;

        // then the source is reported failing and the backend stays
        Await.until("the source is reported failing", FOLLOW,
                () -> balancer.discovery().statuses().get(0).state() == SourceStatus.State.FAILING);
        assertEquals(Set.of("http://127.0.0.2:" + port), upUrls());
        assertTrue(balancer.discovery().statuses().get(0).failures() >= 1);
    }

    @Test
    void staticServersStayBesideDiscoveredOnes() throws Exception {
        int fixed = backend("127.0.0.1", 0);
        int port = backend("127.0.0.2", 0);
        dnsmasq = Dnsmasq.start(dnsmasqProgram, dir, "127.0.0.2 api.test\n", List.of());
        balancer = start("{\"url\": \"http://127.0.0.1:" + fixed + "\"}, {\"dns\": \"api.test:" + port + "\"}");
        Await.until("both are up", FOLLOW, () -> upUrls().size() == 2);

        // when the name gives nothing any more (held back once, then applied)
        dnsmasq.hosts("");

        // then the discovered backend leaves and the static one stays
        Await.until("the discovered backend leaves", FOLLOW,
                () -> urls().equals(Set.of("http://127.0.0.1:" + fixed)));
    }

    private Balancer start(String servers) throws Exception {
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 1,"
                + " \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + ", \"healthyThreshold\": 1},"
                + " \"servers\": [" + servers + "],"
                + " \"dns\": {\"refreshS\": 1, \"nameservers\": [\"" + dnsmasq.address() + "\"]}}";
        return TestBalancer.builder().config(json).startBalancer();
    }

    private Set<String> urls() {
        return balancer.pool().all().stream().map(b -> b.url().toString()).collect(Collectors.toSet());
    }

    private Set<String> upUrls() {
        return balancer.pool().all().stream().filter(b -> b.health() == HealthState.UP)
                .map(b -> b.url().toString()).collect(Collectors.toSet());
    }

    /** A backend answering 200 to everything, on {@code address:port} (0 for any port); returns its port. */
    private int backend(String address, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 16);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        backends.add(server);
        return server.getAddress().getPort();
    }
}
