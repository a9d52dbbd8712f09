package dev.lb.balancer.server;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * More idle keep-alive clients than the JDK server's default cap of 200 idle connections
 * ({@code sun.net.httpserver.maxIdleConnections}): with that cap, every connection past the 200th is
 * closed right after its answer, and the client's next request on it fails. A child process, since the
 * setting is read once per JVM.
 */
class ManyKeepAliveClientsTest {
    private static final int CLIENTS = 300;
    /**
     * Idle limits far beyond a round: connection i waits a whole round for its next turn, and 300
     * requests in a row through a child process take 30 s and more on a loaded 2-core machine, past
     * the 10 s head timeout (which robaho's server, one task per connection, also applies between
     * requests) and the 30 s idle interval. The idle limits are not the subject here; the cap is.
     */
    private static final int IDLE_LIMIT_SECONDS = 300;

    @Test
    void everyKeepAliveConnectionStaysUsableWithMoreThan200IdleClients() throws Exception {
        List<RawHttp> clients = new ArrayList<>();
        try (BackendServer backend = BackendServer.start("127.0.0.1", 0, "b1");
             BalancerProcess balancer = BalancerProcess.start("{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, "
                     + TestBalancer.GENEROUS_CHECK + "\"timeouts\": {\"requestHeadMs\": " + IDLE_LIMIT_SECONDS * 1000 + "}, "
                     + "\"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}]}",
                     "-Dsun.net.httpserver.idleInterval=" + IDLE_LIMIT_SECONDS,
                     "-Drobaho.net.httpserver.idleInterval=" + IDLE_LIMIT_SECONDS)) {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(new RawHttp(balancer.port()));
            }
            // One request at a time, so the balancer needs one backend connection; after each round
            // all 300 client connections are idle at once.
            for (int round = 1; round <= 3; round++) {
                for (int i = 0; i < CLIENTS; i++) {
                    RawHttp client = clients.get(i);
                    client.send("GET /round/" + round + " HTTP/1.1\r\nHost: h\r\n\r\n");
                    assertEquals(200, client.read("GET").status(), "round " + round + ", connection " + i);
                }
            }
        } finally {
            for (RawHttp client : clients) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // closing is best effort; the assertion above is the test
                }
            }
        }
    }
}
