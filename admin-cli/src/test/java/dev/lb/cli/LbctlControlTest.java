package dev.lb.cli;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lbctl's runtime-control commands end to end against a real balancer's admin port on loopback. */
class LbctlControlTest {
    private static final String TIME = "\\d\\d:\\d\\d:\\d\\d";

    @TempDir
    Path dir;
    private final List<BackendServer> backends = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Balancer balancer;
    private Path config;

    @AfterEach
    void tearDown() {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(BackendServer::close);
    }

    @Test
    void drainWaitShowsTheCountGoingDownAndExits0AfterTheRequestInFlightCompletes() throws Exception {
        start(1);
        String url = url(backends.get(0));
        Backend backend = backend(url);
        CompletableFuture<Integer> slow = get("/delay/1500");
        Await.until("request in flight", () -> backend.inFlight() == 1);

        Run run = run("drain", url, "--wait", "--timeout", "20s", "--target", target());

        assertEquals(0, run.exit, run.err);
        // The proxy counts the exchange done once the response is written; the client may see it a moment later.
        assertEquals(0, backend.inFlight(), "lbctl returned only after the request in flight finished");
        assertEquals(200, slow.get(Await.WAIT.toSeconds(), TimeUnit.SECONDS));
        List<String> lines = run.out.lines().toList();
        assertTrue(Pattern.matches(TIME + " " + Pattern.quote(url) + ": draining, 1 in flight", lines.get(0)), run.out);
        assertTrue(Pattern.matches(TIME + " " + Pattern.quote(url) + ": draining, 0 in flight", lines.get(1)), run.out);
        assertTrue(Pattern.matches(TIME + " " + Pattern.quote(url) + ": drained, nothing in flight", lines.get(2)), run.out);
        assertEquals(AdminState.DRAINING, backend.adminState());
    }

    @Test
    void drainWaitExits4WhenTheTimeoutPassesFirstAndTheBackendStaysDraining() throws Exception {
        start(1);
        String url = url(backends.get(0));
        Backend backend = backend(url);
        CompletableFuture<Integer> slow = get("/delay/3000");
        Await.until("request in flight", () -> backend.inFlight() == 1);

        Run run = run("drain", url, "--wait", "--timeout", "300ms", "--target", target());

        assertEquals(ExitCodes.TIMED_OUT, run.exit, run.err);
        assertEquals("lbctl: " + url + " still has 1 in flight after 300ms; it stays draining (\"lbctl enable " + url
                + "\" puts it back in rotation)", run.err.strip());
        assertEquals(AdminState.DRAINING, backend.adminState());
        assertEquals(200, slow.get(Await.WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void drainWithoutWaitPrintsTheCountAndReturns() throws Exception {
        start(2);
        String url = url(backends.get(1));

        Run run = run("drain", url, "--target", target());

        assertEquals(0, run.exit, run.err);
        assertEquals(url + ": draining, 0 in flight", run.out.strip());
        assertEquals(AdminState.DRAINING, backend(url).adminState());
    }

    @Test
    void disableAndEnableShowInTheStatusTable() throws Exception {
        start(2);
        String url = url(backends.get(0));

        Run disable = run("disable", url, "--target", target());

        assertEquals(0, disable.exit, disable.err);
        assertEquals(url + ": maintenance, weight 1, UP, 0 in flight (health checks paused)", disable.out.strip());
        Run status = run("status", "--target", target());
        List<String> lines = status.out.lines().toList();
        assertTrue(lines.get(0).matches("BACKEND\\s+STATE\\s+ADMIN\\s+WEIGHT\\s+IN-FLIGHT\\s+REQUESTS\\s+FAILURES\\s+LAST CHECK"), lines.get(0));
        int admin = lines.get(0).indexOf("ADMIN");
        assertEquals("maintenance", lines.get(1).substring(admin, admin + "maintenance".length()), status.out);
        assertEquals("ready", lines.get(2).substring(admin, admin + "ready".length()), status.out);

        Run enable = run("enable", url, "--target", target());

        assertEquals(0, enable.exit, enable.err);
        assertTrue(enable.out.startsWith(url + ": ready, weight 1, "), enable.out);
        assertEquals(AdminState.READY, backend(url).adminState());
        Await.until("back UP after a check", () -> backend(url).health() == HealthState.UP);
    }

    @Test
    void weightSetsTheWeightAndAnOutOfRangeWeightIsAUsageError() throws Exception {
        start(2);
        String url = url(backends.get(1));

        Run run = run("weight", url, "3", "--target", target());

        assertEquals(0, run.exit, run.err);
        assertEquals(3, backend(url).weight());
        assertTrue(run.out.startsWith(url + ": ready, weight 3, "), run.out);
        Run json = run("weight", url, "0", "--json", "--target", target());
        assertEquals(0, json.exit, json.err);
        assertTrue(json.out.contains("\"weight\": 0"), json.out);

        Run tooBig = run("weight", url, "5000", "--target", target());
        assertEquals(ExitCodes.USAGE, tooBig.exit);
        assertTrue(tooBig.err.contains("weight 5000 is out of range; use 0 to 1000"), tooBig.err);
        assertEquals(ExitCodes.USAGE, run("weight", url, "three", "--target", target()).exit);
        assertEquals(0, backend(url).weight(), "nothing changed");
    }

    @Test
    void addThenRemoveABackendAndADuplicateOrBadUrlIsRefused() throws Exception {
        start(1);
        BackendServer extra = BackendServer.start("127.0.0.1", 0, "extra");
        backends.add(extra);
        String url = url(extra);

        Run add = run("add", url, "--weight", "2", "--name", "extra", "--target", target());

        assertEquals(0, add.exit, add.err);
        // DOWN until its first check passes, which may already have happened when the answer is built.
        assertTrue(add.out.startsWith("added extra (" + url + "): ready, weight 2, DOWN, 0 in flight (it gets traffic")
                || add.out.startsWith("added extra (" + url + "): ready, weight 2, UP, 0 in flight"), add.out);
        Await.until("the added backend passes a check", () -> backend("extra").health() == HealthState.UP);

        Run duplicate = run("add", url, "--target", target());
        assertEquals(ExitCodes.FAILED, duplicate.exit);
        assertEquals(1, duplicate.err.lines().count(), duplicate.err);
        assertTrue(duplicate.err.contains("extra (" + url + ") is already in the pool"), duplicate.err);
        Run badUrl = run("add", "htp:/x", "--target", target());
        assertEquals(ExitCodes.FAILED, badUrl.exit);
        assertTrue(badUrl.err.startsWith("lbctl: the balancer at " + target() + " refused: bad backend URL"), badUrl.err);
        assertEquals(2, balancer.pool().all().size(), "nothing more was added");

        Run remove = run("remove", "extra", "--target", target());

        assertEquals(0, remove.exit, remove.err);
        assertEquals("removed extra (" + url + "), drained", remove.out.strip());
        assertTrue(balancer.pool().find("extra").isEmpty());
    }

    @Test
    void anUnknownBackendIsOneLineAndExit1() throws Exception {
        start(1);

        for (String[] args : List.of(new String[]{"drain", "http://nowhere:1"}, new String[]{"disable", "http://nowhere:1"},
                new String[]{"enable", "http://nowhere:1"}, new String[]{"weight", "http://nowhere:1", "2"},
                new String[]{"remove", "http://nowhere:1"})) {
            String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--target", target()))
                    .toArray(String[]::new);
            Run run = run(full);
            assertEquals(ExitCodes.FAILED, run.exit, args[0] + ": " + run.err);
            assertEquals(1, run.err.lines().count(), run.err);
            assertTrue(run.err.contains("unknown backend \"http://nowhere:1\"; known: " + url(backends.get(0))), run.err);
            assertFalse(run.err.contains("Exception"), run.err);
        }
    }

    @Test
    void reloadPrintsWhatChangedAndABrokenFileIsAnErrorThatChangesNothing() throws Exception {
        start(2);
        String kept = url(backends.get(0));
        String dropped = url(backends.get(1));
        writeConfig(List.of(kept));

        Run good = run("reload", "--target", target());

        assertEquals(0, good.exit, good.err);
        assertTrue(good.out.startsWith("reloaded " + config + ":"), good.out);
        assertTrue(good.out.contains("\n  removing " + dropped), good.out);
        Await.until("the dropped backend leaves", () -> balancer.pool().find(dropped).isEmpty());

        Files.writeString(config, "{\"port\": 0, \"servers\": [");
        Run broken = run("reload", "--target", target());

        assertEquals(ExitCodes.FAILED, broken.exit);
        assertEquals("", broken.out);
        assertEquals(1, broken.err.lines().count(), broken.err);
        assertTrue(broken.err.startsWith("lbctl: reload rejected, nothing changed: "), broken.err);
        assertTrue(broken.err.contains(config.toString()), "names the file: " + broken.err);
        assertEquals(1, balancer.pool().all().size());
    }

    @Test
    void watchPrintsAdminChangeAndReloadLines() throws Exception {
        start(2);
        String url = url(backends.get(1));
        StringWriter out = new StringWriter();
        CommandLine lbctl = Lbctl.commandLine();
        lbctl.setOut(new PrintWriter(out, true));
        lbctl.setErr(new PrintWriter(new StringWriter(), true));
        WatchCommand watch = lbctl.getSubcommands().get("watch").getCommand();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> lbctl.execute("watch", "--interval", "3600", "--target", target()));
        try {
            Await.until("snapshot", () -> out.toString().contains("2 backends"));

            assertEquals(0, run("drain", url, "--target", target()).exit);
            assertEquals(0, run("weight", url, "5", "--target", target()).exit);
            writeConfig(List.of(url(backends.get(0)), url));
            assertEquals(0, run("reload", "--target", target()).exit);

            String actor = Pattern.quote(Actor.current());
            awaitLine(out, TIME + " DRAIN " + Pattern.quote(url) + " ready -> draining \\(by " + actor + "\\)");
            awaitLine(out, TIME + " DRAINED " + Pattern.quote(url) + " 0 in flight \\(by drain\\)");
            awaitLine(out, TIME + " WEIGHT " + Pattern.quote(url) + " 1 -> 5 \\(by " + actor + "\\)");
            awaitLine(out, TIME + " ENABLE " + Pattern.quote(url) + " draining -> ready \\(by " + actor + " reload\\)");
            awaitLine(out, TIME + " RELOAD " + Pattern.quote(config.toString()) + ": .*weight of " + Pattern.quote(url)
                    + " 5 -> 1.* \\(by " + actor + "\\)");
        } finally {
            watch.stop();
        }
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
    }

    @Test
    void everyControlCommandHasHelpAndUsageErrorsExit2() {
        for (String command : List.of("drain", "disable", "enable", "weight", "add", "remove", "reload")) {
            Run help = run(command, "--help");
            assertEquals(0, help.exit, command);
            assertTrue(help.out.startsWith("Usage: lbctl " + command), help.out);
            assertTrue(help.out.contains("--target"), help.out);
        }
        assertEquals(ExitCodes.USAGE, run("drain").exit, "no backend named");
        assertEquals(ExitCodes.USAGE, run("drain", "x", "--timeout", "soon").exit);
        assertEquals(ExitCodes.USAGE, run("add", "http://127.0.0.1:1", "--weight", "-1").exit);
        assertEquals(ExitCodes.USAGE, run("reload", "extra").exit);
    }

    // --- fixtures ---

    private void start(int liveBackends) throws Exception {
        while (backends.size() < liveBackends) {
            backends.add(BackendServer.start("127.0.0.1", 0, "b" + (backends.size() + 1)));
        }
        config = dir.resolve("lb.json");
        writeConfig(backends.stream().map(LbctlControlTest::url).toList());
        balancer = TestBalancer.builder().fromFile(config).startBalancer();
        Await.until("every backend UP", () -> balancer.pool().all().stream().allMatch(b -> b.health() == HealthState.UP));
    }

    private void writeConfig(List<String> urls) throws Exception {
        String servers = urls.stream().map(u -> "{\"url\": \"" + u + "\"}").collect(Collectors.joining(", "));
        Files.writeString(config, "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [" + servers
                + "], \"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + ", \"healthyThreshold\": 1}}");
    }

    private Backend backend(String nameOrUrl) {
        return balancer.pool().find(nameOrUrl).orElseThrow();
    }

    private String target() {
        return "127.0.0.1:" + balancer.adminPort();
    }

    private static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    private CompletableFuture<Integer> get(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    private static void awaitLine(StringWriter out, String regex) {
        Pattern pattern = Pattern.compile(regex);
        Await.until("a line matching " + regex + " in:\n" + out, () -> out.toString().lines().anyMatch(l -> pattern.matcher(l).matches()));
    }
}
