package dev.lb.cli;

import dev.lb.balancer.config.ConfigLoader;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.discovery.SourceStatus;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Membership sources as {@code lbctl status} shows them: a SOURCE column and one line per source. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LbctlDiscoveryTest {
    private BackendServer backend;
    private Balancer balancer;

    @AfterEach
    void tearDown() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void statusSaysWhereEachBackendCameFromAndThatASourceIsFailing() throws Exception {
        // given a listed backend and a DNS name whose name server does not answer (a closed UDP port)
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        int deadPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            deadPort = probe.getLocalPort();
        }
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 3600,"
                + " \"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}, {\"dns\": \"api.test:8080\"}],"
                + " \"dns\": {\"refreshS\": 1, \"nameservers\": [\"127.0.0.1:" + deadPort + "\"]}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        Await.until("the DNS source fails", () -> balancer.discovery().statuses().get(0).state() == SourceStatus.State.FAILING);

        // when
        Run table = run("status", "--target", "127.0.0.1:" + balancer.adminPort());

        // then
        assertEquals(0, table.exit, table.err);
        List<String> lines = table.out.lines().toList();
        assertTrue(lines.get(0).matches("BACKEND\\s+STATE.*LAST CHECK\\s+SOURCE"), lines.get(0));
        assertTrue(lines.get(1).endsWith("  config"), lines.get(1));
        assertTrue(lines.get(3).startsWith("source dns api.test:8080: FAILING ("), lines.get(3));
        assertTrue(lines.get(3).endsWith("), keeping 0 backends, no answer yet"), lines.get(3));
    }

    @Test
    void fleetWithoutEtcdIsAUsageErrorNamingTheFixAndChangesNothing() throws Exception {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        String url = "http://127.0.0.1:" + backend.port();
        balancer = new Balancer(ConfigLoader.parse("{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0,"
                + " \"servers\": [{\"url\": \"" + url + "\"}]}", "test-config")).start();

        for (String[] command : List.of(new String[] {"disable", url}, new String[] {"enable", url},
                new String[] {"weight", url, "3"}, new String[] {"drain", url, "--wait"})) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.addAll(List.of("--fleet", "--target", "127.0.0.1:" + balancer.adminPort()));
            Run r = run(args.toArray(String[]::new));

            assertEquals(2, r.exit, command[0] + ": " + r.err);
            assertEquals(1, r.err.lines().count(), r.err);
            assertTrue(r.err.startsWith("lbctl: --fleet: fleet-wide changes need discovery.etcd in this balancer's config"), r.err);
            assertTrue(r.err.strip().endsWith("or leave out --fleet to change this balancer only"), r.err);
        }
        assertEquals(1, balancer.pool().all().get(0).weight());
        assertEquals(dev.lb.balancer.backend.AdminState.READY, balancer.pool().all().get(0).adminState());
    }

    @Test
    void watchTellsASourceFailingAndComingBack() {
        var failing = dev.lb.admin.v1.DiscoverySourceEvent.newBuilder().setName("etcd /lb/backends/")
                .setState(dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_FAILING)
                .setReason("UNAVAILABLE: io exception").setBackends(3)
                .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(43_323)).build();
        String line = WatchPrinter.Human.source(failing);
        assertTrue(line.endsWith(" SOURCE FAILING etcd /lb/backends/ (UNAVAILABLE: io exception), keeping 3 backends"), line);

        String back = WatchPrinter.Human.source(failing.toBuilder()
                .setState(dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_OK).setReason("").setBackends(1).build());
        assertTrue(back.endsWith(" SOURCE OK etcd /lb/backends/, 1 backend"), back);
    }

    @Test
    void statusNamesTheFleetAndItsInstances() {
        var fleet = dev.lb.admin.v1.FleetStatus.newBuilder().setInstance("h:9090").setAdminPrefix("/lb/admin/")
                .addInstances("h:9090").addInstances("h:9091").setConnected(true).build();
        assertEquals("fleet /lb/admin/: this is h:9090, 2 instances (h:9090, h:9091)", StatusTable.fleet(fleet));
        assertEquals("fleet /lb/admin/: this is h:9090, etcd UNREACHABLE, last seen 2 instances (h:9090, h:9091)",
                StatusTable.fleet(fleet.toBuilder().setConnected(false).build()));
    }
}
