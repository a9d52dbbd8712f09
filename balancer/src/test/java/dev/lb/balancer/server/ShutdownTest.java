package dev.lb.balancer.server;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM on a real balancer process: stop accepting, drain, exit 0. */
class ShutdownTest {
    private BackendServer backend;

    @BeforeEach
    void startBackend() throws IOException {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
    }

    @AfterEach
    void stopBackend() {
        backend.close();
    }

    @Test
    void sigtermStopsAcceptingLetsTheRequestInFlightFinishAndExitsZero() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start(config(10_000))) {
            CompletableFuture<RawResponse> slow = CompletableFuture.supplyAsync(() -> {
                try (RawHttp client = new RawHttp(balancer.port())) {
                    client.send("GET /delay/3000 HTTP/1.1\r\nHost: h\r\n\r\n");
                    return client.read("GET");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            until("request in flight at the backend", Duration.ofSeconds(20), () -> backend.inFlight() == 1);

            balancer.terminate();
            until("listener closed", Duration.ofSeconds(10), () -> refusesConnections(balancer.port()));

            RawResponse response = slow.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.status());
            assertTrue(response.bodyText().contains("answered after 3000 ms"));
            assertTrue(response.closesConnection(), "answers given while draining close their connection");
            assertEquals(0, balancer.awaitExit(Duration.ofSeconds(20)), "exit code; log: " + balancer.log());
        }
    }

    @Test
    void anIdleBalancerExitsPromptlyRatherThanWaitingTheDrainTimeout() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start(config(60_000))) {
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                assertEquals(200, client.read("GET").status());
            }
            long started = System.nanoTime();
            balancer.terminate();
            assertEquals(0, balancer.awaitExit(Duration.ofSeconds(30)));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(millis < 15_000, "idle balancer took " + millis + " ms to stop with a 60 s drain timeout");
        }
    }

    @Test
    void requestsOutlastingTheDrainTimeoutAreCutAndTheProcessStillExitsZero() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start(config(1_000))) {
            RawHttp client = new RawHttp(balancer.port());
            client.send("GET /delay/60000 HTTP/1.1\r\nHost: h\r\n\r\n");
            until("request in flight at the backend", Duration.ofSeconds(20), () -> backend.inFlight() == 1);
            balancer.terminate();
            assertEquals(0, balancer.awaitExit(Duration.ofSeconds(20)));
            assertTrue(client.closedWithin(Duration.ofSeconds(10)), "client connection closed");
            client.close();
        }
    }

    @Test
    void everySigtermSaysThatItDrainsAndWhenItStopped() throws Exception {
        // The "stopping" line once went missing in one of three stops: the shutdown hook that prints it
        // raced java.util.logging's own hook, which removes the log handlers.
        for (int run = 1; run <= 3; run++) {
            try (BalancerProcess balancer = BalancerProcess.start(config(10_000))) {
                balancer.terminate();
                assertEquals(0, balancer.awaitExit(Duration.ofSeconds(30)), "exit code; log: " + balancer.log());
                until("the log read to its end", Duration.ofSeconds(10), () -> balancer.logEnded());
                List<String> log = balancer.log();
                assertTrue(log.stream().anyMatch(l -> l.contains("INFO stopping: draining requests in flight (up to 10000 ms)")),
                        "run " + run + " log: " + log);
                assertTrue(log.stream().anyMatch(l -> l.contains("INFO stopped after ")), "run " + run + " log: " + log);
            }
        }
    }

    private String config(int drainMs) {
        // The first health check runs before the proxy port opens; a generous timeout keeps a loaded
        // machine from failing it, which would answer the test's request with 503.
        return "{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, \"drainTimeoutMs\": " + drainMs
                + ", \"healthCheck\": {\"timeoutMs\": 10000}"
                + ", \"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}]}";
    }

    private static boolean refusesConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
