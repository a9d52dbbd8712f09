package dev.lb.balancer.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.admin.BalancerFacts;
import dev.lb.balancer.admin.StatusReader;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.MetricsConfig;
import dev.lb.balancer.metrics.BalancerMetrics;
import dev.lb.balancer.metrics.MetricsServer;
import dev.lb.balancer.testing.Backends;
import dev.lb.balancer.util.Timers;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page's endpoints over real sockets: a pool of two backends (no servers behind them; their
 * health is reported by hand), the real metrics listener on port 0, and the page on it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatusPageEndpointTest {
    private static final int BUFFER = 8;
    private static final int MAX_VIEWERS = 3;
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Backend a = Backends.backend(1);
    private final Backend b = Backends.backend(2);
    private final BackendPool pool = new BackendPool(List.of(a, b), new HealthPolicy(1, 1), Clock.systemUTC());
    private final BalancerMetrics metrics = new BalancerMetrics(pool);
    private final Timers timers = new Timers();
    private final StatusPage page = new StatusPage(pool, metrics, Clock.systemUTC(), timers, BUFFER, MAX_VIEWERS);
    private final MetricsServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> opened = new ArrayList<>();

    StatusPageEndpointTest() throws Exception {
        server = MetricsServer.start(new MetricsConfig(true, "127.0.0.1", 0), metrics.registry(), page, MAX_VIEWERS + 4);
    }

    private void attach() {
        page.attach(new StatusReader(pool, new BalancerFacts("127.0.0.1:8080", "least-connections",
                Instant.now(), Duration.ofSeconds(1), "test"), Clock.systemUTC()));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        page.close();
        server.close();
        timers.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private SseClient viewer() throws Exception {
        SseClient client = new SseClient(server.port());
        opened.add(client);
        return client;
    }

    @Test
    void thePageIsPlainFilesFromTheJarAndFetchesNothingFromElsewhere() throws Exception {
        attach();
        HttpResponse<String> html = get("/");
        assertEquals(200, html.statusCode());
        assertEquals("text/html; charset=utf-8", html.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(html.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'self'"));
        assertTrue(html.body().contains("<script src=\"status.js\" defer></script>"), html.body());
        assertTrue(html.body().contains("<link rel=\"stylesheet\" href=\"status.css\">"));
        assertEquals("text/css; charset=utf-8", get("/status.css").headers().firstValue("Content-Type").orElseThrow());
        assertEquals("text/javascript; charset=utf-8", get("/status.js").headers().firstValue("Content-Type").orElseThrow());
        for (String path : List.of("/", "/status.css", "/status.js")) {
            String body = get(path).body();
            // The only absolute URL is the SVG namespace, a name and not a fetch.
            String withoutNamespace = body.replace("http://www.w3.org/2000/svg", "");
            assertFalse(withoutNamespace.contains("http://") || withoutNamespace.contains("https://")
                    || withoutNamespace.contains("//cdn") || withoutNamespace.contains("@import"), path + " refers elsewhere");
        }
        assertEquals(200, send("HEAD", "/").statusCode());
        HttpResponse<String> head = send("HEAD", "/events");
        assertEquals(200, head.statusCode());
        assertEquals("text/event-stream; charset=utf-8", head.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(0, page.viewerCount(), "a HEAD opens no stream");
    }

    @Test
    void thePageLoadsInUnder100MillisecondsOnLoopback() throws Exception {
        attach();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) { // the first rounds warm the JVM up
            long start = System.nanoTime();
            for (String path : List.of("/", "/status.css", "/status.js", "/api/status")) {
                assertEquals(200, get(path).statusCode());
            }
            best = Math.min(best, System.nanoTime() - start);
        }
        assertTrue(best < TimeUnit.MILLISECONDS.toNanos(100), "best of ten loads took " + best / 1_000_000 + " ms");
    }

    @Test
    void apiStatusIsTheWholeStateAsJson() throws Exception {
        attach();
        HttpResponse<String> response = get("/api/status");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode state = JSON.readTree(response.body());

        assertEquals("127.0.0.1:8080", state.at("/balancer/listen").asText());
        assertEquals("least-connections", state.at("/balancer/algorithm").asText());
        assertEquals(1000, state.at("/balancer/healthCheckIntervalMs").asLong());
        assertEquals(900, state.at("/windows/stripSeconds").asInt());
        assertEquals(2, state.get("backends").size());
        JsonNode first = state.get("backends").get(0);
        assertEquals(a.name(), first.get("name").asText());
        assertEquals("UP", first.get("health").asText());
        assertEquals("READY", first.get("admin").asText());
        assertEquals(1, first.get("weight").asInt());
        assertEquals(0, first.get("inFlight").asInt());
        assertTrue(first.get("lastCheck").isNull(), "no check yet");
        assertEquals("UP", first.at("/strip/0/state").asText());
        assertEquals("at start", first.at("/strip/0/reason").asText());
        assertTrue(first.get("spark").isArray());
        assertTrue(first.has("rps") && first.has("errorRatio") && first.has("p99Ms"));
    }

    @Test
    void writesAreRefusedAndUnknownPathsNamedWhereToLook() throws Exception {
        attach();
        HttpResponse<String> post = send("POST", "/");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
        assertTrue(post.body().contains("read-only"), post.body());
        HttpResponse<String> missing = get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("the status page is at /"), missing.body());
        assertEquals(200, get("/metrics").statusCode(), "the metrics keep their path");
    }

    @Test
    void beforeTheProxyListensTheDataSays503AndTheBrowserRetries() throws Exception {
        HttpResponse<String> response = get("/api/status");
        assertEquals(503, response.statusCode());
        assertEquals("1", response.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, get("/").statusCode(), "the page itself is there, and says it is connecting");
    }

    @Test
    void theStreamStartsWithASnapshotThenStatsEverySecond() throws Exception {
        attach();
        SseClient client = viewer();
        assertEquals(200, client.status());
        assertEquals("text/event-stream; charset=utf-8", client.header("Content-Type"));
        assertEquals("no-cache", client.header("Cache-Control"));

        SseClient.Event first = client.until("the first event", PATIENCE, e -> true);
        assertEquals("snapshot", first.name());
        assertEquals(2, JSON.readTree(first.data()).get("backends").size());
        JsonNode stats = JSON.readTree(client.next("stats", PATIENCE).data());
        assertEquals("UP", stats.at("/backends/1/health").asText());
        assertEquals(1, page.viewerCount());
    }

    @Test
    void aHealthChangeReachesTheBrowserAsItHappens() throws Exception {
        attach();
        SseClient client = viewer();
        client.next("snapshot", PATIENCE);

        pool.reportCheck(b, new CheckResult(false, "connection refused", Instant.now(), Duration.ofMillis(1)));

        JsonNode event = JSON.readTree(client.next("health", PATIENCE).data());
        assertEquals(b.name(), event.get("backend").asText());
        assertEquals("DOWN", event.get("to").asText());
        assertEquals("connection refused", event.get("reason").asText());
        JsonNode stats = JSON.readTree(client.next("stats", PATIENCE).data());
        assertEquals("DOWN", stats.at("/backends/1/health").asText());
        assertEquals("DOWN", stats.at("/backends/1/strip/1/state").asText());
    }

    @Test
    void aBrowserThatStopsReadingSlowsNeitherTheEventsNorOtherBrowsers() throws Exception {
        // given a browser that connected and then stopped reading, and one that reads
        attach();
        Socket stuck = stuckViewer();
        SseClient reader = viewer();
        reader.next("snapshot", PATIENCE);
        Await.until("both browsers connected", PATIENCE, () -> page.viewerCount() == 2);

        // when far more events come than the stuck one's buffer and socket hold
        String bulky = "x".repeat(8192);
        long slowest = 0;
        int sent = 0;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (page.events().resyncs() == 0 || sent < 2_000) {
            assertTrue(System.nanoTime() < deadline, "no browser fell behind after " + sent + " events");
            long start = System.nanoTime();
            page.events().onHealthChange(new HealthEvent(a.name(), a.url().toString(), HealthState.UP,
                    HealthState.UP, bulky, Instant.now()));
            slowest = Math.max(slowest, System.nanoTime() - start);
            sent++;
            assertTrue(page.events().mostWaiting() <= BUFFER + 1, "a browser's buffer is bounded");
        }

        // then handing an event over never waited for a browser, and the reading browser still gets the news
        assertTrue(slowest < TimeUnit.SECONDS.toNanos(1), "slowest hand-over " + slowest / 1_000_000 + " ms");
        pool.reportCheck(b, new CheckResult(false, "marker: b went down", Instant.now(), Duration.ofMillis(1)));
        reader.until("b DOWN in an event or a snapshot", PATIENCE, e -> e.data().contains("marker: b went down"));
        assertEquals(200, get("/metrics").statusCode(), "scrapes are served beside the stuck browser");
        assertTrue(scrape().contains("lb_status_page_resyncs_total"), "the drops are counted");
        stuck.close();
    }

    @Test
    void aBrowserThatGoesAwayIsForgotten() throws Exception {
        attach();
        try (Socket browser = new Socket()) {
            browser.connect(new InetSocketAddress("127.0.0.1", server.port()));
            request(browser);
            readUntil(browser.getInputStream(), "event: snapshot");
            assertEquals(1, page.viewerCount());
        }
        // The next stats write (within a second) finds the socket closed.
        Await.until("the gone browser's viewer released", PATIENCE, () -> page.viewerCount() == 0);
    }

    @Test
    void beyondTheViewerLimitABrowserIsToldToComeBackLater() throws Exception {
        attach();
        for (int i = 0; i < MAX_VIEWERS; i++) {
            viewer().next("snapshot", PATIENCE);
        }
        SseClient oneMore = viewer();
        assertEquals(503, oneMore.status());
        assertEquals("5", oneMore.header("Retry-After"));

        String metricsText = scrape();
        assertTrue(metricsText.contains("lb_status_page_viewers " + MAX_VIEWERS + ".0"), metricsText);
        assertTrue(metricsText.contains("lb_status_page_refused_total 1.0"), metricsText);
    }

    @Test
    void closingThePageEndsEveryStream() throws Exception {
        attach();
        SseClient client = viewer();
        client.next("snapshot", PATIENCE);
        page.close();
        assertTrue(client.ends(PATIENCE), "the stream ended");
        Await.until("no viewer left", PATIENCE, () -> page.viewerCount() == 0);
    }

    private String scrape() throws IOException, InterruptedException {
        return get("/metrics").body();
    }

    /** A browser that asks for the stream and never reads a byte of it. */
    private Socket stuckViewer() throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        request(socket);
        opened.add(socket);
        return socket;
    }

    private static void request(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] chunk = new byte[4096];
        while (!seen.toString().contains(marker)) {
            int n = in.read(chunk);
            if (n < 0) {
                throw new AssertionError("stream ended before " + marker + ": " + seen);
            }
            seen.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
        }
    }
}
