package dev.lb.balancer.metrics;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import dev.lb.testing.Await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static dev.lb.balancer.testing.TestBalancer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MetricsEndpointTest {
    @TempDir
    Path dir;
    private TestBalancer live;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void countersMatchTheRequestsMadeAndTheExpositionParses() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0").start();
        String a = url(live.server(0));
        String b = url(live.server(1));
        for (int i = 0; i < 10; i++) {
            assertEquals(200, live.get("/status/200").statusCode());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(503, live.get("/status/503").statusCode());
        }

        // A request is counted just after its answer reaches the client: wait for the last one.
        Exposition metrics = scrapeOnce(m -> m.value("lb_request_duration_seconds_count") >= 13);

        assertEquals(10, metrics.value("lb_requests_total", "code_class", "2xx"));
        assertEquals(3, metrics.value("lb_requests_total", "code_class", "5xx"));
        assertEquals(0, metrics.value("lb_requests_total", "code_class", "4xx"));
        assertEquals(13, metrics.value("lb_request_duration_seconds_count"));
        assertEquals(13, metrics.value("lb_request_duration_seconds_bucket", "le", "+Inf"));
        assertEquals(BalancerMetrics.LATENCY_BUCKETS.length + 1, metrics.family("lb_request_duration_seconds")
                .samples().stream().filter(s -> s.name().equals("lb_request_duration_seconds_bucket")).count());
        assertEquals(10, metrics.sum("lb_backend_requests_total", "code_class", "2xx"));
        assertEquals(3, metrics.sum("lb_backend_requests_total", "code_class", "5xx"));
        assertEquals(live.server(0).requests(), metrics.sum("lb_backend_requests_total", "backend", a));
        assertEquals(live.server(1).requests(), metrics.sum("lb_backend_requests_total", "backend", b));
        assertEquals(13, metrics.sum("lb_backend_request_duration_seconds_count"));
        assertEquals(1, metrics.value("lb_backend_up", "backend", a));
        assertEquals(1, metrics.value("lb_backend_admin_state", "backend", a, "state", "ready"));
        assertEquals(0, metrics.value("lb_backend_admin_state", "backend", a, "state", "draining"));
        assertEquals(0, metrics.value("lb_backend_in_flight", "backend", b));
        assertEquals(1, metrics.value("lb_backend_weight", "backend", b));
        assertTrue(metrics.value("lb_health_checks_total", "backend", a) >= 1);
        assertEquals(0, metrics.value("lb_health_check_failures_total", "backend", a));
        assertEquals(0, metrics.value("lb_config_reloads_total", "result", "applied"));
        assertEquals("counter", metrics.family("lb_requests_total").type().equals("counter")
                ? "counter" : metrics.family("lb_requests").type());
        assertEquals("histogram", metrics.family("lb_request_duration_seconds").type());
        assertTrue(metrics.has("jvm_memory_used_bytes"), "the JVM's standard metrics are exported");
        assertTrue(metrics.has("jvm_threads_current"));
    }

    @Test
    void adminStateHealthAndReloadsShowUp() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0").start();
        String a = url(live.server(0));
        live.control().drain(a);
        live.server(1).setHealthy(false);
        Await.until("the unhealthy backend DOWN",
                () -> live.balancer().pool().available().stream().noneMatch(x -> x.url().toString().equals(url(live.server(1)))));
        live.writeConfigText("not json");
        live.control().reload();

        Exposition metrics = scrape();

        assertEquals(1, metrics.value("lb_backend_admin_state", "backend", a, "state", "draining"));
        assertEquals(0, metrics.value("lb_backend_admin_state", "backend", a, "state", "ready"));
        assertEquals(0, metrics.value("lb_backend_up", "backend", url(live.server(1))));
        assertTrue(metrics.value("lb_health_check_failures_total", "backend", url(live.server(1))) >= 1);
        assertEquals(1, metrics.value("lb_config_reloads_total", "result", "rejected"));
    }

    @Test
    void aRefusedBackendCountsARetryAndTheClientStillGetsAnAnswer() throws Exception {
        // Checks every 60 s: the closed backend stays in rotation until a request finds it closed.
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0, \"healthCheckInterval\": 60").start();
        BackendServer closed = live.server(1);
        closed.close();

        assertEquals(200, live.get("/").statusCode());
        assertEquals(200, live.get("/").statusCode());

        Exposition metrics = scrapeOnce(m -> m.value("lb_requests_total", "code_class", "2xx") >= 2);
        assertEquals(1, metrics.value("lb_retries_total", "backend", url(closed), "reason", "other_backend"));
        assertEquals(1, metrics.value("lb_backend_requests_total", "backend", url(closed), "code_class", "none"));
        assertEquals(2, metrics.value("lb_requests_total", "code_class", "2xx"));
        assertEquals(0, metrics.value("lb_backend_up", "backend", url(closed)));
    }

    @Test
    void removedBackendLeavesTheExposition() throws Exception {
        live = TestBalancer.builder().backends(2).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0").start();
        String b = url(live.server(1));
        live.spread(4);
        scrapeOnce(m -> m.sum("lb_backend_requests_total", "backend", b) > 0
                && m.value("lb_backend_request_duration_seconds_count", "backend", b) > 0);

        live.control().remove(b).removed().get(10, TimeUnit.SECONDS);

        Exposition metrics = scrape();
        assertEquals(0, metrics.sum("lb_backend_requests_total", "backend", b));
        assertFalse(metrics.family("lb_backend_request_duration_seconds").samples().stream()
                .anyMatch(s -> b.equals(s.labels().get("backend"))), "the removed backend's histogram series");
        assertFalse(metrics.family("lb_backend_up").samples().stream().anyMatch(s -> b.equals(s.labels().get("backend"))));
    }

    @Test
    void statusesOutside100To599AreCountedAsOtherNotAsNoAnswer() throws Exception {
        // given a backend answering /600 with 600 and /999 with 999 (health checks get a 200)
        try (ScriptedBackend backend = new ScriptedBackend(statusFromPath());
             Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"metricsPort\": 0").startBalancer()) {
            int metricsPort = balancer.metricsPort().orElseThrow();

            // when clients ask for both
            for (int status : new int[]{600, 999}) {
                try (RawHttp client = new RawHttp(balancer.port())) {
                    client.send("GET /" + status + " HTTP/1.1\r\nHost: h\r\n\r\n");
                    assertEquals(status, client.read("GET").status(), "relayed as it came");
                }
            }

            // then both are "other", and "none" keeps meaning that no answer could be sent
            Exposition metrics = scrapeOnce(metricsPort, m -> m.value("lb_request_duration_seconds_count") >= 2);
            assertEquals(2, metrics.value("lb_requests_total", "code_class", "other"));
            assertEquals(0, metrics.value("lb_requests_total", "code_class", "none"));
            assertEquals(2, metrics.value("lb_backend_requests_total", "backend", backend.url(), "code_class", "other"));
            assertEquals(0, metrics.value("lb_backend_requests_total", "backend", backend.url(), "code_class", "none"));
        }
    }

    /** Answers {@code GET /NNN} with status NNN and anything else with 200, empty bodies. */
    private static ScriptedBackend.Responder statusFromPath() {
        return (request, socket, out) -> {
            String code = request.target().matches("/\\d{3}") ? request.target().substring(1) : "200";
            out.write(("HTTP/1.1 " + code + " Whatever\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        };
    }

    @Test
    void livenessProbeAnswersNextToTheMetrics() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0").start();
        int port = live.balancer().metricsPort().orElseThrow();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/-/healthy")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
    }

    @Test
    void takenMetricsPortStopsStartupWithOneLineNamingTheField() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            var config = dev.lb.balancer.config.ConfigLoader.parse("{\"port\": 0, \"adminPort\": 0, \"metricsPort\": "
                    + taken.getLocalPort() + ", \"servers\": [{\"url\": \"http://127.0.0.1:1\"}]}", "c.json");
            try (var balancer = new dev.lb.balancer.Balancer(config)) {
                var e = org.junit.jupiter.api.Assertions.assertThrows(dev.lb.balancer.StartupException.class, balancer::start);
                assertEquals("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()
                        + ": port already in use (stop the other process or change \"metricsPort\" in the config)", e.getMessage());
            }
        }
    }

    @Test
    void noMetricsPortMeansNoEndpoint() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().start();
        assertTrue(live.balancer().metricsPort().isEmpty());
    }

    /** Scrapes until {@code ready} holds (metrics are updated just after the answer is sent). */
    private Exposition scrapeOnce(Predicate<Exposition> ready) {
        return scrapeOnce(live.balancer().metricsPort().orElseThrow(), ready);
    }

    private Exposition scrapeOnce(int port, Predicate<Exposition> ready) {
        AtomicReference<Exposition> last = new AtomicReference<>();
        Await.until("the metrics to reach the expected state", () -> {
            try {
                last.set(scrape(port));
            } catch (IOException | InterruptedException e) {
                throw new AssertionError("scrape failed", e);
            }
            return ready.test(last.get());
        });
        return last.get();
    }

    private Exposition scrape() throws IOException, InterruptedException {
        return scrape(live.balancer().metricsPort().orElseThrow());
    }

    private Exposition scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                response.headers().toString());
        return Exposition.parse(response.body());
    }
}
