package dev.lb.cli;

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
}
