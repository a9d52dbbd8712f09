package dev.lb.cli;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request queue and backend caps as {@code lbctl status} and {@code lbctl watch} show them. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LbctlQueueTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private BackendServer backend;
    private Balancer balancer;
    private Thread watchThread;
    private WatchCommand watch;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (watch != null) {
            watch.stop();
            watchThread.join(10_000);
        }
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void statusAndWatchShowTheCapAndTheRequestsWaiting() throws Exception {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        String url = "http://127.0.0.1:" + backend.port();
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [{\"url\": \"" + url
                + "\", \"maxConnections\": 1}], \"queue\": {\"maxSize\": 5, \"timeoutMs\": 60000},"
                + " \"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": 30000}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        String target = "127.0.0.1:" + balancer.adminPort();
        // One slow request holds the only slot; two more wait behind it.
        List<CompletableFuture<HttpResponse<Void>>> slow = List.of(slow(), slow(), slow());
        Await.until("two requests queued", () -> balancer.queue().length() == 2);

        Run table = run("status", "--target", target);
        Run detail = run("status", url, "--target", target);
        Run asJson = run("status", "--json", "--target", target);

        assertEquals(0, table.exit, table.err);
        List<String> lines = table.out.lines().toList();
        assertTrue(lines.get(0).matches("BACKEND\\s+STATE\\s+ADMIN\\s+WEIGHT\\s+IN-FLIGHT\\s+MAXCONN\\s+REQUESTS\\s+FAILURES\\s+LAST CHECK"),
                lines.get(0));
        assertTrue(lines.get(1).matches(".*\\s1\\s+1\\s+\\d+\\s+0\\s.*"), "in flight 1 of max 1: " + lines.get(1));
        assertTrue(lines.get(3).startsWith("queue: 2 waiting (at most 5, for 60000 ms); 2 queued, 0 timed out, 0 refused as full"),
                lines.get(3));
        assertTrue(detail.out.contains("In flight:   1 of at most 1"), detail.out);
        assertTrue(asJson.out.contains("\"maxConnections\": 1"), asJson.out);
        assertTrue(asJson.out.replaceAll("\\s", "").contains("\"queue\":{\"length\":2,\"maxSize\":5,\"timeout\":\"60s\""),
                asJson.out);

        StringWriter out = startWatch(target);
        Await.until("a stats line with the queue", () -> out.toString().lines()
                .anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d stats up 1/1, in-flight 1, .*, queue 2 \\(timed out 0, refused as full 0\\)")));
        slow.forEach(f -> f.cancel(true));
    }

    private CompletableFuture<HttpResponse<Void>> slow() {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + "/delay/60000"))
                .timeout(Duration.ofSeconds(80)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private StringWriter startWatch(String target) {
        StringWriter out = new StringWriter();
        CommandLine lbctl = Lbctl.commandLine();
        lbctl.setOut(new PrintWriter(out, true));
        lbctl.setErr(new PrintWriter(new StringWriter(), true));
        watch = lbctl.getSubcommands().get("watch").getCommand();
        watchThread = new Thread(() -> lbctl.execute("watch", "--target", target, "--interval", "0.2"), "test-lbctl-watch");
        watchThread.setDaemon(true);
        watchThread.start();
        return out;
    }
}
