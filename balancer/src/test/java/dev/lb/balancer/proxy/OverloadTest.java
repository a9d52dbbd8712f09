package dev.lb.balancer.proxy;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.testing.ScriptedBackend;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.TestConfigs;
import dev.lb.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code servers[].maxConnections} and the request queue through real sockets: backends that hold each
 * request until the test lets it go, so exactly which requests are in flight and which wait is known.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OverloadTest {
    /**
     * A queue wait for tests whose waiters must be served, not timed out: they wait while the test
     * scrapes metrics and asks the admin API, which took longer than the default 5 s on a loaded
     * 2-core machine (the queued request was answered 503).
     */
    private static final int PATIENT_QUEUE_MS = 60_000;
    private static final String PATIENT_QUEUE = "\"queue\": {\"timeoutMs\": " + PATIENT_QUEUE_MS + "}";
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ScriptedBackend> backends = new ArrayList<>();
    private final List<Semaphore> gates = new ArrayList<>();
    private Balancer balancer;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws IOException {
        gates.forEach(g -> g.release(1000));
        if (balancer != null) {
            balancer.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        for (ScriptedBackend b : backends) {
            b.close();
        }
    }

    @Test
    void requestsBeyondTheCapWaitAndAreServedInArrivalOrder() throws Exception {
        ScriptedBackend held = heldBackend();
        start(servers(held, 2), PATIENT_QUEUE + ", \"metricsPort\": 0");
        Backend backend = balancer.pool().all().get(0);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();

        for (int i = 1; i <= 5; i++) {
            answers.add(getAsync("/r" + i));
            int sent = i;
            // Each request is in place before the next is sent, so arrival order is known.
            Await.until("request " + i + " in flight or queued",
                    () -> held.requests().size() == Math.min(sent, 2) && balancer.queue().length() == Math.max(0, sent - 2));
        }

        assertEquals(2, backend.inFlight());
        GetStatusResponse status = status();
        assertEquals(3, status.getBalancer().getQueue().getLength());
        assertEquals(2, status.getBackends(0).getMaxConnections());
        assertEquals(2, status.getBackends(0).getInFlight());
        assertEquals(1024, status.getBalancer().getQueue().getMaxSize());
        assertEquals(3, metric("lb_queue_length"));
        assertEquals(2, metric("lb_backend_max_connections\\{backend=\"[^\"]+\"}"));
        for (int next = 3; next <= 5; next++) {
            gates.get(0).release();
            int expected = next;
            Await.until("request " + next + " handed the freed slot", () -> held.requests().size() == expected);
            assertEquals("/r" + next, held.last().target(), "the oldest waiter got the slot");
            assertEquals(2, backend.inFlight(), "the slot moved, none was added");
        }
        gates.get(0).release(2);

        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertEquals(200, answer.get(30, TimeUnit.SECONDS).statusCode());
        }
        assertEquals(List.of("/r1", "/r2", "/r3", "/r4", "/r5"), held.requests().stream().map(ScriptedBackend.Recorded::target).toList());
        Await.until("nothing in flight", () -> backend.inFlight() == 0);
        GetStatusResponse after = status();
        assertEquals(0, after.getBalancer().getQueue().getLength());
        assertEquals(3, after.getBalancer().getQueue().getTotalQueued());
        assertEquals(0, after.getBalancer().getQueue().getTotalTimeouts());
        assertEquals(3, metric("lb_queued_requests_total"));
    }

    @Test
    void aFullQueueIsAnsweredAtOnceWith503AndRetryAfter() throws Exception {
        ScriptedBackend held = heldBackend();
        start(servers(held, 1), "\"queue\": {\"maxSize\": 1, \"timeoutMs\": " + PATIENT_QUEUE_MS + "}, \"metricsPort\": 0");
        CompletableFuture<HttpResponse<String>> inFlight = getAsync("/r1");
        Await.until("r1 at the backend", () -> held.requests().size() == 1);
        CompletableFuture<HttpResponse<String>> queued = getAsync("/r2");
        Await.until("r2 in the queue", () -> balancer.queue().length() == 1);

        HttpResponse<String> refused = get("/r3");

        assertEquals(503, refused.statusCode());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertTrue(refused.body().contains("queue is full"), refused.body());
        assertEquals(1, metric("lb_queue_rejected_total"));
        assertEquals(1, status().getBalancer().getQueue().getTotalRejected());
        gates.get(0).release(2);
        assertEquals(200, inFlight.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(200, queued.get(30, TimeUnit.SECONDS).statusCode());
        Await.until("nothing in flight", () -> balancer.pool().all().get(0).inFlight() == 0);
    }

    @Test
    void aWaitThatOutlastsTheQueueTimeoutIs503WithRetryAfter() throws Exception {
        ScriptedBackend held = heldBackend();
        start(servers(held, 1), "\"queue\": {\"timeoutMs\": 200}, \"metricsPort\": 0");
        CompletableFuture<HttpResponse<String>> inFlight = getAsync("/r1");
        Await.until("r1 at the backend", () -> held.requests().size() == 1);

        long started = System.nanoTime();
        HttpResponse<String> refused = get("/r2");
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertEquals(503, refused.statusCode());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertTrue(refused.body().contains("200 ms"), refused.body());
        assertTrue(waitedMs >= 190, "answered after the wait, not at once: " + waitedMs + " ms");
        assertEquals(1, metric("lb_queue_timeouts_total"));
        assertEquals(0, balancer.queue().length());
        gates.get(0).release();
        assertEquals(200, inFlight.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(1, held.requests().size(), "the timed-out request never reached the backend");
        Await.until("nothing in flight", () -> balancer.pool().all().get(0).inFlight() == 0);
    }

    @Test
    void selectionSkipsABackendAtItsCapWithoutQueueing() throws Exception {
        ScriptedBackend capped = heldBackend();
        ScriptedBackend open = new ScriptedBackend(ScriptedBackend.ok("open"));
        backends.add(open);
        start("[{\"url\": \"" + capped.url() + "\", \"maxConnections\": 1}, {\"url\": \"" + open.url() + "\"}]",
                "\"algorithm\": \"round-robin\"");
        // Round-robin sends one of two requests to each backend: one is then held on the capped one.
        CompletableFuture<HttpResponse<String>> first = getAsync("/hold");
        CompletableFuture<HttpResponse<String>> second = getAsync("/hold");
        Await.until("one request held on the capped backend", () -> capped.requests().size() == 1);

        for (int i = 0; i < 10; i++) {
            HttpResponse<String> answer = get("/quick");
            assertEquals(200, answer.statusCode());
            assertEquals("open", answer.body(), "its turn on the capped backend went to the open one");
        }

        assertEquals(1, capped.requests().size());
        assertEquals(0, balancer.queue().totalQueued(), "with room on a backend nobody waits");
        gates.get(0).release();
        assertEquals(200, first.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(200, second.get(30, TimeUnit.SECONDS).statusCode());
        Await.until("nothing in flight", () -> balancer.pool().all().stream().allMatch(b -> b.inFlight() == 0));
    }

    @Test
    void aReloadThatRaisesTheCapServesTheQueueAtOnce() throws Exception {
        ScriptedBackend held = heldBackend();
        Path file = start(servers(held, 1), "");
        CompletableFuture<HttpResponse<String>> r1 = getAsync("/r1");
        Await.until("r1 at the backend", () -> held.requests().size() == 1);
        CompletableFuture<HttpResponse<String>> r2 = getAsync("/r2");
        Await.until("r2 in the queue", () -> balancer.queue().length() == 1);

        writeConfig(file, servers(held, 2), "\"queue\": {\"maxSize\": 10, \"timeoutMs\": 30000}");
        ReloadOutcome outcome = balancer.control().reload();

        assertTrue(outcome.applied(), outcome.error());
        assertTrue(outcome.changes().contains("maxConnections of " + held.url() + " 1 -> 2"), outcome.changes().toString());
        assertTrue(outcome.changes().contains("queue maxSize 1024 -> 10, timeoutMs 5000 -> 30000"), outcome.changes().toString());
        Await.until("r2 at the backend while r1 is still held", () -> held.requests().size() == 2);
        assertEquals(2, balancer.pool().all().get(0).maxConnections());
        assertEquals(10, balancer.queue().config().maxSize());
        gates.get(0).release(2);
        assertEquals(200, r1.get(30, TimeUnit.SECONDS).statusCode());
        assertEquals(200, r2.get(30, TimeUnit.SECONDS).statusCode());
        Await.until("nothing in flight", () -> balancer.pool().all().get(0).inFlight() == 0);
    }

    @Test
    void the503SaysWhichBackendsOperatorsTookOutOfRotation() throws Exception {
        ScriptedBackend a = new ScriptedBackend(ScriptedBackend.ok("a"));
        ScriptedBackend b = new ScriptedBackend(ScriptedBackend.ok("b"));
        backends.add(a);
        backends.add(b);
        start("[{\"url\": \"" + a.url() + "\"}, {\"url\": \"" + b.url() + "\"}]", "");

        balancer.control().disable(a.url());
        balancer.control().drain(b.url());
        HttpResponse<String> answer = get("/");

        assertEquals(503, answer.statusCode());
        assertTrue(answer.body().contains("no backend in rotation: 1 in maintenance, 1 draining"), answer.body());
        assertTrue(answer.headers().firstValue("Retry-After").isEmpty(), "not an overload: no Retry-After");
    }

    /** A backend that answers each request only when the test releases one permit of its gate. */
    private ScriptedBackend heldBackend() throws IOException {
        Semaphore gate = new Semaphore(0);
        ScriptedBackend backend = new ScriptedBackend((request, socket, out) -> {
            gate.acquireUninterruptibly();
            ScriptedBackend.ok(request.target()).respond(request, socket, out);
        });
        gates.add(gate);
        backends.add(backend);
        return backend;
    }

    private static String servers(ScriptedBackend backend, int maxConnections) {
        return "[{\"url\": \"" + backend.url() + "\", \"maxConnections\": " + maxConnections + "}]";
    }

    private Path start(String servers, String extraJson) throws Exception {
        Path file = dir.resolve("balancer.json");
        writeConfig(file, servers, extraJson);
        balancer = TestBalancer.builder().fromFile(file).startBalancer();
        return file;
    }

    private static void writeConfig(Path file, String servers, String extraJson) throws IOException {
        // Checks only at start, and patient ones: a loaded machine must not take a held backend DOWN.
        String extra = "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": 30000, \"unhealthyThreshold\": 10}, "
                + "\"servers\": " + servers + (extraJson.isEmpty() ? "" : ", " + extraJson);
        Files.writeString(file, TestConfigs.json(extra));
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(60)).build();
    }

    private GetStatusResponse status() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", balancer.adminPort()).usePlaintext().build();
        }
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getStatus(GetStatusRequest.getDefaultInstance());
    }

    /** One sample's value from the metrics endpoint; {@code sample} is a regex for the name and labels. */
    private double metric(String sample) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.metricsPort().orElseThrow()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + sample + " (\\S+)$").matcher(text);
        assertTrue(m.find(), sample + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
