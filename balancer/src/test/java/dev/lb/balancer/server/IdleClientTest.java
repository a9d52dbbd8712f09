package dev.lb.balancer.server;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Idle client connections are closed by the JDK server after {@code sun.net.httpserver.idleInterval};
 * the balancer only supplies a default, so an operator's {@code -D} wins. A child process, since the
 * setting is read once per JVM.
 */
class IdleClientTest {

    @Test
    void idleKeepAliveConnectionsAndSilentConnectionsAreClosedAfterTheIdleInterval() throws Exception {
        try (BackendServer backend = BackendServer.start("127.0.0.1", 0, "b1");
             BalancerProcess balancer = BalancerProcess.start("{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, "
                     + TestBalancer.GENEROUS_CHECK + "\"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}]}",
                     "-Dsun.net.httpserver.idleInterval=1");
             RawHttp afterRequest = new RawHttp(balancer.port());
             RawHttp silent = new RawHttp(balancer.port())) {
            afterRequest.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(200, afterRequest.read("GET").status());

            assertTrue(afterRequest.closedWithin(Duration.ofSeconds(20)), "idle keep-alive connection closed");
            assertTrue(silent.closedWithin(Duration.ofSeconds(20)), "connection that never sent a byte closed");
        }
    }
}
