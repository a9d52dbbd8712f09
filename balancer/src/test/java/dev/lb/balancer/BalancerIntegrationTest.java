package dev.lb.balancer;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.TestConfigs;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The balancer end to end: real backends on ephemeral ports, real HTTP through the proxy port. */
class BalancerIntegrationTest {
    private final List<BackendServer> backends = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Balancer balancer;

    @AfterEach
    void stopEverything() {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(BackendServer::close);
    }

    @Test
    void requestsSpreadOverAllThreeBackends() throws Exception {
        startBalancer("", startBackends(3));

        Map<String, Long> servedBy = new java.util.HashMap<>();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = get("/hello?i=" + i);
            assertEquals(200, response.statusCode());
            assertTrue(response.body().startsWith("Hello from server-"), response.body());
            servedBy.merge(response.headers().firstValue("X-Backend").orElseThrow(), 1L, Long::sum);
        }

        assertEquals(3, servedBy.size(), "served by: " + servedBy);
        servedBy.values().forEach(n -> assertEquals(10L, n, "sequential requests rotate evenly: " + servedBy));
    }

    @Test
    void backendFailingHealthChecksLeavesRotationAndReturnsWhenItRecovers() throws Exception {
        startBalancer("", startBackends(3));
        BackendServer sick = backends.get(1);
        Backend sickInPool = backendFor(sick);

        sick.setHealthy(false);
        Await.until("the failing backend to be marked DOWN", () -> sickInPool.health() == HealthState.DOWN);
        long servedBefore = sick.requests();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, get("/").statusCode());
        }
        assertEquals(servedBefore, sick.requests(), "a DOWN backend gets no requests");
        assertTrue(sickInPool.history().get(sickInPool.history().size() - 1).reason().contains("503"));

        sick.setHealthy(true);
        Await.until("the recovered backend to be UP again", () -> sickInPool.health() == HealthState.UP);
        Await.until("the recovered backend to serve again", () -> {
            get("/");
            return sick.requests() > servedBefore;
        });
    }

    @Test
    void killedBackendIsTakenOutByTheFirstRequestThatFindsItDeadAndTrafficStillSucceeds() throws Exception {
        // Checks every minute: after the first, at start, only requests can notice the kill.
        startBalancer("\"healthCheckInterval\": 60", startBackends(3));
        Await.until("first checks done", () -> balancer.pool().all().stream().allMatch(b -> b.lastCheck() != null));
        BackendServer dead = backends.get(0);
        Backend deadInPool = backendFor(dead);

        dead.close();
        for (int i = 0; i < 12; i++) {
            assertEquals(200, get("/").statusCode(), "refused connections are retried on another backend");
        }

        assertEquals(HealthState.DOWN, deadInPool.health());
        assertEquals(1, deadInPool.totalFailures());
        assertTrue(deadInPool.history().get(0).reason().contains("connection refused (seen by a request)"));
    }

    @Test
    void leastConnectionsSendsNewWorkAwayFromABackendBusyWithASlowRequest() throws Exception {
        startBalancer("", startBackends(2));
        CompletableFuture<HttpResponse<String>> slowRequest = getAsync("/delay/3000");
        Await.until("the slow request to reach a backend", () -> backends.stream().anyMatch(b -> b.inFlight() == 1));
        BackendServer busy = backends.stream().filter(b -> b.inFlight() == 1).findFirst().orElseThrow();
        long busyServedBefore = busy.requests();

        for (int i = 0; i < 20; i++) {
            assertEquals(200, get("/quick").statusCode());
        }

        assertEquals(busyServedBefore, busy.requests(), "the busy backend got none of the quick requests");
        assertEquals(200, slowRequest.get().statusCode());
    }

    @Test
    void noHealthyBackendAnswers503AtOnce() throws Exception {
        startBalancer("", startBackends(2));
        backends.forEach(b -> b.setHealthy(false));
        Await.until("every backend DOWN", () -> balancer.pool().available().isEmpty());

        long started = System.nanoTime();
        HttpResponse<String> response = get("/");

        assertEquals(503, response.statusCode());
        assertTrue(response.body().contains("no healthy backend"), response.body());
        assertFalse(response.body().contains("Exception"), response.body());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000);
    }

    @Test
    void everyBackendRefusingAnswers502() throws Exception {
        // Checks every minute: the first one, at start, finds both backends UP; then they die.
        startBalancer("\"retries\": 1, \"healthCheckInterval\": 60", startBackends(2));
        Await.until("both backends checked UP", () -> balancer.pool().all().stream().allMatch(b -> b.lastCheck() != null));
        backends.forEach(BackendServer::close);

        HttpResponse<String> response = get("/");

        assertEquals(502, response.statusCode());
        assertTrue(response.body().startsWith("502 Bad Gateway"), response.body());
    }

    @Test
    void backendSlowerThanReadTimeoutAnswers504() throws Exception {
        startBalancer("\"timeouts\": {\"readMs\": 300}", startBackends(1));

        HttpResponse<String> response = get("/delay/3000");

        assertEquals(504, response.statusCode());
        assertEquals(1, balancer.pool().all().get(0).totalFailures());
    }

    @Test
    void inFlightCountsReturnToZeroAfterLoadWithClientsGoingAway() throws Exception {
        startBalancer("", startBackends(3));
        List<CompletableFuture<HttpResponse<String>>> load = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            load.add(getAsync(i % 3 == 0 ? "/delay/50" : "/x"));
        }
        // Clients that hang up in the middle of a large download.
        for (int i = 0; i < 3; i++) {
            HttpResponse<InputStream> big = http.send(request("/bytes/200000000"), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = big.body()) {
                body.readNBytes(100_000);
            }
        }
        for (var response : load) {
            assertEquals(200, response.get().statusCode());
        }

        Await.until("all in-flight counts back to 0",
                () -> balancer.pool().all().stream().allMatch(b -> b.inFlight() == 0));
        long total = balancer.pool().all().stream().mapToLong(Backend::totalRequests).sum();
        assertEquals(63, total);
    }

    @Test
    void portAlreadyInUseIsOneClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            BalancerConfig config = TestConfigs.forBackends("", startBackends(1));
            BalancerConfig clash = new BalancerConfig("127.0.0.1", taken.getLocalPort(), config.servers(),
                    config.healthCheck(), config.timeouts(), config.retries(), config.algorithm(), config.adminHost(),
                    config.adminPort(), config.workerThreads(), config.executor(), config.drainTimeout());
            Balancer doomed = new Balancer(clash);

            StartupException e = assertThrows(StartupException.class, doomed::start);
            doomed.close();

            assertTrue(e.getMessage().contains(":" + taken.getLocalPort() + ": port already in use"), e.getMessage());
        }
    }

    // --- helpers ---

    private int[] startBackends(int n) throws IOException {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            BackendServer server = BackendServer.start("127.0.0.1", 0, null);
            backends.add(server);
            ports[i] = server.port();
        }
        return ports;
    }

    private void startBalancer(String extraJson, int... ports) throws StartupException, IOException {
        balancer = TestBalancer.builder().config(TestConfigs.json(extraJson, ports)).startBalancer();
    }

    private Backend backendFor(BackendServer server) {
        return balancer.pool().find("http://127.0.0.1:" + server.port()).orElseThrow();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(request(path), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }
}
