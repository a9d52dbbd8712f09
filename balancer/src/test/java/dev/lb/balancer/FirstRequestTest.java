package dev.lb.balancer;

import dev.lb.balancer.testing.TestConfigs;
import dev.lb.backendserver.BackendServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.lb.balancer.testing.TestBalancer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The proxy port opens only once the backends' first health checks answered, so a request made the
 * moment {@link Balancer#start()} returns already meets a backend in rotation.
 */
class FirstRequestTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private BackendServer backend;
    private Balancer balancer;

    @AfterEach
    void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void theFirstRequestAfterStartIsServedByABackendNotYetMarkedHealthy() throws Exception {
        backend = BackendServer.start("127.0.0.1", 0, null);
        // Not "healthy": true, so until its first check answers the backend is out of rotation.
        String servers = "\"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}], "
                + "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": 10000}";
        balancer = TestBalancer.builder().config(TestConfigs.json(servers)).startBalancer();

        HttpResponse<String> first = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + balancer.port() + "/first")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, first.statusCode(), first.body());
    }
}
