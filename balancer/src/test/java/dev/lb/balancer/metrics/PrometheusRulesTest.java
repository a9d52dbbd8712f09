package dev.lb.balancer.metrics;

import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert rules and queries that docs/metrics.md gives operators: valid for Prometheus, right with two
 * balancers scraped that share backend names, in step with the doc, and about metrics the balancer
 * really exports. promtool runs where it is installed (CI installs it); elsewhere that test is skipped.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrometheusRulesTest {
    /**
     * Metrics exported only when their part is configured (tls, accessLog); the balancer started here
     * has neither. EdgeMetricsTest checks that a balancer with both exports them.
     */
    static final Set<String> ONLY_WHEN_CONFIGURED = Set.of("lb_tls_certificate_expiry_seconds",
            "lb_tls_certificate_reloads_total", "lb_access_log_lines_total");
    private static final Path DOCS = docs();
    private static final Path RULES_DIR = DOCS.resolve("prometheus");

    @TempDir
    Path dir;
    private TestBalancer live;

    @AfterEach
    void stop() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void rulesAndQueriesPassPromtoolWithTwoBalancersSharingBackendNames() throws Exception {
        Optional<Path> promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool.isPresent(),
                "promtool is not installed (Debian: apt-get install prometheus); the rules are not checked here");

        assertPromtool(promtool.get(), "check", "rules", "lb-alerts.yml");
        assertPromtool(promtool.get(), "test", "rules", "lb-alerts.test.yml");
    }

    @Test
    void everyQueryInTheDocsIsTestedWordForWord() throws IOException {
        String tests = Files.readString(RULES_DIR.resolve("lb-alerts.test.yml"));

        List<String> queries = docQueries();

        assertTrue(queries.size() >= 8, "found the queries: " + queries);
        for (String query : queries) {
            assertTrue(tests.contains("- expr: " + query + "\n"), "docs/metrics.md query not in lb-alerts.test.yml: " + query);
        }
    }

    @Test
    void everyMetricTheRulesAndQueriesUseIsExported() throws Exception {
        live = TestBalancer.builder().backends(1).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0").start();
        assertEquals(200, live.get("/").statusCode());
        String rules = Files.readString(RULES_DIR.resolve("lb-alerts.yml")) + String.join("\n", docQueries());

        String exposition = scrapeOnceCounted();

        TreeSet<String> missing = new TreeSet<>();
        Matcher name = Pattern.compile("\\blb_[a-z_]+").matcher(rules);
        while (name.find()) {
            if (!Pattern.compile("(?m)^" + name.group() + "[{ ]").matcher(exposition).find()
                    && !ONLY_WHEN_CONFIGURED.contains(name.group())) {
                missing.add(name.group());
            }
        }
        assertEquals(new TreeSet<>(), missing, "metrics the rules or queries use that the balancer does not export");
    }

    /** The lines of the promql block under "Useful queries", comments left out. */
    private static List<String> docQueries() throws IOException {
        String doc = Files.readString(DOCS.resolve("metrics.md"));
        Matcher block = Pattern.compile("## Useful queries.*?```promql\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(block.find(), "docs/metrics.md has a promql block under \"Useful queries\"");
        return block.group(1).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    private String scrapeOnceCounted() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + live.balancer().metricsPort().orElseThrow() + "/metrics");
        List<String> last = new ArrayList<>(List.of(""));
        // The request is counted just after its answer reaches the client.
        Await.until("the request counted", () -> {
            try {
                last.set(0, http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body());
            } catch (IOException | InterruptedException e) {
                throw new AssertionError("scrape failed", e);
            }
            return last.get(0).contains("lb_backend_requests_total{");
        });
        return last.get(0);
    }

    private static void assertPromtool(Path promtool, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(RULES_DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool " + String.join(" ", args) + " did not end");
        assertEquals(0, process.exitValue(), "promtool " + String.join(" ", args) + ":\n" + output);
    }

    private static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** docs/ of this repository: tests run in the module's directory, one level below it. */
    private static Path docs() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("docs/metrics.md"))) {
                return d.resolve("docs");
            }
        }
        throw new IllegalStateException("no docs/metrics.md above " + Path.of("").toAbsolutePath());
    }
}
