package dev.lb.balancer;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthState;
import dev.lb.testing.Await;
import dev.lb.balancer.testing.TestConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend that stops accepting (its accept queue full, so connects time out rather than being
 * refused) leaves rotation only after several requests in a row could not connect, not at the first:
 * one connect time-out is as likely a starved host as a dead backend.
 */
class ConnectTimeoutTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void aBackendWhoseConnectsTimeOutLeavesRotationAtTheThirdInARowAndEveryRequestIsServed() throws Exception {
        BackendServer good = BackendServer.start("127.0.0.1", 0, null);
        toClose.add(good::close);
        BackendServer silent = BackendServer.start("127.0.0.1", 0, null);
        int silentPort = silent.port();
        // Checks every minute: after the first, at start, only requests see the backend stop accepting.
        Balancer balancer = new Balancer(TestConfigs.forBackends(
                "\"healthCheckInterval\": 60, \"timeouts\": {\"connectMs\": 300},"
                        + " \"retryBudget\": {\"percent\": 100, \"minPerSecond\": 100}",
                good.port(), silentPort)).start();
        toClose.add(balancer::close);
        BackendPool pool = balancer.pool();
        Await.until("first checks done", () -> pool.all().stream().allMatch(b -> b.lastCheck() != null));
        Backend silentInPool = pool.find("http://127.0.0.1:" + silentPort).orElseThrow();
        assertEquals(HealthState.UP, silentInPool.health());

        silent.close();
        fillAcceptQueue(silentPort);

        int served = 0;
        for (int i = 0; i < 30 && silentInPool.health() == HealthState.UP; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + balancer.port() + "/?i=" + i)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), "a connect time-out is retried on the other backend");
            served++;
        }

        assertEquals(HealthState.DOWN, silentInPool.health(), "taken out after " + served + " requests");
        List<HealthEvent> history = silentInPool.history();
        HealthEvent down = history.get(history.size() - 1);
        assertTrue(down.reason().contains("3 in a row (seen by a request)"), down.reason());
        assertTrue(history.stream().filter(e -> e.to() == HealthState.DOWN).count() == 1,
                "one DOWN, at the third time-out, not one per time-out: " + history);
    }

    /**
     * Listens on {@code port} without accepting, and connects until the accept queue is full: from then
     * on the kernel drops new SYNs, so connects time out.
     */
    private void fillAcceptQueue(int port) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress("127.0.0.1", port), 1);
        toClose.add(listener);
        for (int i = 0; i < 16; i++) {
            Socket filler = new Socket();
            toClose.add(filler);
            try {
                filler.connect(new InetSocketAddress("127.0.0.1", port), 300);
            } catch (SocketTimeoutException full) {
                return;
            }
        }
        throw new IllegalStateException("the accept queue of port " + port + " never filled");
    }
}
