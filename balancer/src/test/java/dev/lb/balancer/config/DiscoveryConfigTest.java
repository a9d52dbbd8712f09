package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The membership sources a config may name: DNS entries in {@code servers}, {@code dns}, {@code discovery.etcd}. */
class DiscoveryConfigTest {
    @Test
    void dnsAndSrvEntriesSitBesideUrlsAndTheOldFormatIsUnchanged() throws ConfigException {
        BalancerConfig config = ConfigLoader.parse("""
                {"port": 8080, "servers": [{"url": "http://localhost:8001"},
                  {"dns": "api.internal:8080", "scheme": "https", "weight": 2},
                  {"srv": "_http._tcp.api.internal."}],
                 "dns": {"refreshS": 3, "nameservers": ["127.0.0.1:5353", "10.0.0.2", "[::1]:53"]}}""", "c.json");

        assertEquals(1, config.servers().size());
        assertEquals(List.of(
                new DnsTarget(DnsTarget.Kind.ADDRESS, "api.internal", 8080, "https", 2, ServerConfig.NO_LIMIT),
                new DnsTarget(DnsTarget.Kind.SRV, "_http._tcp.api.internal", 0, "http", 0, ServerConfig.NO_LIMIT)),
                config.dnsTargets());
        assertEquals(Duration.ofSeconds(3), config.dns().refresh());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("10.0.0.2", 53),
                new InetSocketAddress("::1", 53)), config.dns().nameservers());
        assertTrue(config.hasDiscovery());
    }

    @Test
    void withoutASourceNothingChanges() throws ConfigException {
        BalancerConfig config = ConfigLoader.parse(
                "{\"port\":8080,\"servers\":[{\"url\":\"http://localhost:8001\",\"healthy\":false}],\"healthCheckInterval\":10}", "c.json");

        assertFalse(config.hasDiscovery());
        assertEquals(DnsConfig.DEFAULT, config.dns());
        assertEquals(EtcdConfig.OFF, config.etcd());
    }

    @Test
    void anEtcdSourceLetsServersBeLeftOut() throws ConfigException {
        BalancerConfig config = ConfigLoader.parse("""
                {"port": 8080, "discovery": {"etcd": {"endpoints": ["http://127.0.0.1:2379"]}}}""", "c.json");

        assertEquals(List.of(), config.servers());
        assertEquals(new EtcdConfig(List.of(URI.create("http://127.0.0.1:2379")), "/lb/backends/"), config.etcd());
    }

    @Test
    void theFleetsAdminPrefixSitsBesideTheBackendsUnlessGiven() throws ConfigException {
        String etcd = "{\"port\": 8080, \"discovery\": {\"etcd\": {\"endpoints\": [\"http://127.0.0.1:2379\"]";
        assertEquals("/lb/admin/", ConfigLoader.parse(etcd + "}}}", "c.json").etcd().adminPrefix());
        assertEquals("/shop/admin/", ConfigLoader.parse(etcd + ", \"prefix\": \"/shop/pool\"}}}", "c.json").etcd().adminPrefix());
        assertEquals("/ops/lb-fleet/", ConfigLoader.parse(etcd + ", \"adminPrefix\": \"/ops/lb-fleet/\"}}}", "c.json")
                .etcd().adminPrefix());
        assertEquals("c.json: discovery.etcd.adminPrefix \"/lb/backends/admin/\" overlaps the backends' prefix \"/lb/backends/\"; "
                        + "give it a prefix of its own, e.g. \"/lb/admin/\"",
                problem(etcd + ", \"adminPrefix\": \"/lb/backends/admin/\"}}}"));
    }

    @Test
    void mistakesNameTheFieldAndTheFix() {
        assertEquals("c.json: servers[0].dns \"api.internal\" must be a DNS name and port, e.g. \"api.internal:8080\"",
                problem("{\"port\": 8080, \"servers\": [{\"dns\": \"api.internal\"}]}"));
        assertEquals("c.json: servers[0].weight is not used with \"srv\": each SRV record carries its weight; leave it out",
                problem("{\"port\": 8080, \"servers\": [{\"srv\": \"_http._tcp.x\", \"weight\": 2}]}"));
        assertEquals("c.json: dns.nameservers[0] \"ns1.internal\" must be an IP address with an optional port, e.g. \"127.0.0.1:5353\"",
                problem("{\"port\": 8080, \"servers\": [{\"dns\": \"a.b:1\"}], \"dns\": {\"nameservers\": [\"ns1.internal\"]}}"));
        assertEquals("c.json: discovery.etcd.endpoints[0] \"127.0.0.1:2379\" is not an etcd client URL; give one like \"http://127.0.0.1:2379\"",
                problem("{\"port\": 8080, \"discovery\": {\"etcd\": {\"endpoints\": [\"127.0.0.1:2379\"]}}}"));
        assertEquals("c.json: servers is empty; list at least one backend",
                problem("{\"port\": 8080, \"servers\": []}"));
    }

    private static String problem(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(json, "c.json")).getMessage();
    }
}
