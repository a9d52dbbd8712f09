package dev.lb.cli;

import com.google.protobuf.util.JsonFormat;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lbctl end to end: the real command tree against a real balancer's admin port on loopback. */
class LbctlTest {
    private static final String TIME = "\\d\\d:\\d\\d:\\d\\d";

    private final List<BackendServer> backends = new ArrayList<>();
    private final List<Balancer> balancers = new ArrayList<>();
    private final List<RunningWatch> watches = new ArrayList<>();

    @AfterEach
    void tearDown() {
        watches.forEach(RunningWatch::stop);
        balancers.forEach(Balancer::close);
        backends.forEach(BackendServer::close);
    }

    @Test
    void statusPrintsAnAlignedRowPerBackendAndASummary() throws Exception {
        Balancer balancer = balancer(2, 0);
        String target = target(balancer);
        awaitChecked(balancer);

        Run run = run("status", "--target", target);

        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(4, lines.size(), run.out);
        assertTrue(lines.get(0).startsWith("BACKEND"), run.out);
        int stateColumn = lines.get(0).indexOf("STATE");
        for (int i = 1; i <= 2; i++) {
            assertTrue(lines.get(i).startsWith(url(backends.get(i - 1))), lines.get(i));
            assertEquals("UP", lines.get(i).substring(stateColumn, stateColumn + 2), "aligned STATE column in " + run.out);
            assertTrue(lines.get(i).contains("HTTP 200"), lines.get(i));
        }
        assertTrue(lines.get(3).startsWith("2 backends, 2 up;"), lines.get(3));
        assertTrue(lines.get(3).contains("least-connections on 127.0.0.1:" + balancer.port()), lines.get(3));
    }

    @Test
    void statusSaysWhenSighupDoesNotReloadTheBalancer() throws Exception {
        // An embedded balancer installs no SIGHUP handler, as one started under nohup cannot.
        Balancer balancer = balancer(1, 0);

        Run table = run("status", "--target", target(balancer));
        Run json = run("status", "--json", "--target", target(balancer));

        assertEquals(0, table.exit, table.err);
        List<String> lines = table.out.lines().toList();
        assertTrue(lines.get(lines.size() - 1).endsWith("; SIGHUP does not reload it, lbctl reload does"), table.out);
        assertTrue(json.out.contains("\"sighupReloadAvailable\": false"), json.out);
    }

    @Test
    void statusJsonIsTheFullAnswerForMachines() throws Exception {
        Balancer balancer = balancer(2, 0);
        awaitChecked(balancer);

        Run run = run("status", "--json", "--target", target(balancer));

        assertEquals(0, run.exit, run.err);
        GetStatusResponse.Builder parsed = GetStatusResponse.newBuilder();
        JsonFormat.parser().merge(run.out, parsed);
        assertEquals(2, parsed.getBackendsCount());
        assertEquals(url(backends.get(1)), parsed.getBackends(1).getUrl());
        assertEquals(HealthState.HEALTH_STATE_UP, parsed.getBackends(1).getHealth());
        assertTrue(run.out.contains("\"inFlight\": 0"), "zero counters are printed, not omitted: " + run.out);
    }

    @Test
    void statusOfOneBackendShowsItsStateChanges() throws Exception {
        Balancer balancer = balancer(2, 0);
        BackendServer flapping = backends.get(1);
        Backend backend = balancer.pool().find(url(flapping)).orElseThrow();
        flapping.setHealthy(false);
        Await.until("DOWN", () -> backend.health() == dev.lb.balancer.backend.HealthState.DOWN);
        flapping.setHealthy(true);
        Await.until("UP again", () -> backend.health() == dev.lb.balancer.backend.HealthState.UP);

        Run run = run("status", url(flapping), "--target", target(balancer));

        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.contains("URL:         " + url(flapping)), run.out);
        assertTrue(run.out.contains("State:       UP since"), run.out);
        assertTrue(Pattern.compile(TIME + "  UP -> DOWN\\s+HTTP 503").matcher(run.out).find(), run.out);
        assertTrue(Pattern.compile(TIME + "  DOWN -> UP\\s+HTTP 200").matcher(run.out).find(), run.out);
    }

    @Test
    void statusOfAnUnknownBackendFailsWithOneLine() throws Exception {
        Balancer balancer = balancer(1, 0);

        Run run = run("status", "http://nowhere:1", "--target", target(balancer));

        assertEquals(ExitCodes.FAILED, run.exit);
        assertEquals(1, run.err.lines().count(), run.err);
        assertTrue(run.err.contains("no backend \"http://nowhere:1\""), run.err);
    }

    @Test
    void anUnreachableTargetIsOneClearLineAndExitCode3WithinSeconds() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // free again once closed: nothing listens there
        }
        long start = System.nanoTime();

        Run status = run("status", "--target", "127.0.0.1:" + port);
        Run watch = run("watch", "--target", "127.0.0.1:" + port);

        assertTrue(System.nanoTime() - start < Duration.ofSeconds(15).toNanos(), "took too long");
        for (Run run : List.of(status, watch)) {
            assertEquals(ExitCodes.UNREACHABLE, run.exit, run.err);
            assertEquals(1, run.err.lines().count(), run.err);
            assertTrue(run.err.startsWith("lbctl: cannot reach the balancer's admin API at 127.0.0.1:" + port
                    + ": connection refused"), run.err);
            assertFalse(run.err.contains("Exception"), run.err);
            assertEquals("", run.out);
        }
    }

    @Test
    void aTargetThatIsNotGrpcIsNamedAsSuch() throws Exception {
        Balancer balancer = balancer(1, 0);

        Run run = run("status", "--target", "127.0.0.1:" + balancer.port()); // the proxy port, HTTP/1.1

        assertEquals(ExitCodes.UNREACHABLE, run.exit, run.err);
        assertEquals("lbctl: 127.0.0.1:" + balancer.port() + " does not speak gRPC (is it the balancer's proxy port"
                + " rather than its adminPort, default 9090?)", run.err.strip());
    }

    @Test
    void watchPrintsTheSnapshotThenALineWhenABackendDies() throws Exception {
        Balancer balancer = balancer(2, 0);
        BackendServer victim = backends.get(1);
        RunningWatch watch = watch("--target", target(balancer));
        watch.awaitLine("snapshot line for the victim", TIME + " UP   " + Pattern.quote(url(victim)));

        victim.close();

        watch.awaitLine("DOWN line", TIME + " DOWN " + Pattern.quote(url(victim)) + " \\(.+\\)");
        assertEquals(0, watch.stop(), watch.err.toString());
    }

    @Test
    void watchPrintsCompactStatsLinesAtTheChosenInterval() throws Exception {
        Balancer balancer = balancer(1, 0);
        RunningWatch watch = watch("--interval", "0.2", "--target", target(balancer));

        watch.awaitLine("a stats line with a rate", TIME + " stats up 1/1, in-flight 0, requests 0 \\(0\\.0/s\\), failures 0");
    }

    @Test
    void watchJsonPrintsOneEventObjectPerLine() throws Exception {
        Balancer balancer = balancer(1, 0);
        RunningWatch watch = watch("--json", "--interval", "0.2", "--target", target(balancer));
        Await.until("snapshot and two stats", () -> watch.out.toString().lines().count() >= 3);
        assertEquals(0, watch.stop());

        List<WatchEvent> events = new ArrayList<>();
        for (String line : watch.out.toString().lines().toList()) {
            WatchEvent.Builder event = WatchEvent.newBuilder();
            JsonFormat.parser().merge(line, event);
            events.add(event.build());
        }
        assertTrue(events.get(0).hasSnapshot());
        assertTrue(events.get(1).hasStats());
    }

    @Test
    void watchSaysWhenTheBalancerGoesAwayAndReconnectsWhenItIsBack() throws Exception {
        Balancer first = balancer(1, 0);
        int adminPort = first.adminPort();
        RunningWatch watch = watch("--target", target(first));
        watch.awaitLine("first snapshot", TIME + " 1 backend, 1 up;.*");

        first.close();
        Await.until("notice of the loss", () -> watch.err.toString().contains("lost the balancer at 127.0.0.1:" + adminPort));
        balancer(1, adminPort);

        Await.until("notice of the reconnect", () -> watch.err.toString().contains("reconnected to 127.0.0.1:" + adminPort));
        Await.until("a second snapshot", () -> watch.out.toString().lines().filter(l -> l.contains("1 backend, 1 up;")).count() == 2);
        assertEquals(0, watch.stop());
    }

    @Test
    void usageErrorsExit2AndHelpVersionAndCompletionWork() {
        assertEquals(ExitCodes.USAGE, run("status", "--bogus").exit);
        Run badTarget = run("status", "--target", "nohostport");
        assertEquals(ExitCodes.USAGE, badTarget.exit);
        assertTrue(badTarget.err.contains("is not HOST:PORT"), badTarget.err);
        assertEquals(ExitCodes.USAGE, run("watch", "--interval", "0").exit);
        assertEquals(ExitCodes.USAGE, run().exit);

        for (String[] args : List.of(new String[]{"--help"}, new String[]{"status", "--help"},
                new String[]{"watch", "--help"}, new String[]{"completion", "--help"})) {
            Run help = run(args);
            assertEquals(0, help.exit, Arrays.toString(args));
            assertTrue(help.out.contains("Usage: lbctl"), help.out);
        }
        for (String[] args : List.of(new String[]{"--version"}, new String[]{"status", "--version"},
                new String[]{"watch", "--version"})) {
            Run version = run(args);
            assertEquals(0, version.exit);
            assertTrue(version.out.startsWith("lbctl "), version.out);
        }
        Run completion = run("completion");
        assertEquals(0, completion.exit);
        assertTrue(completion.out.contains("complete -F"), "a bash completion script");
        assertTrue(completion.out.contains("watch"), "completes the subcommands");
    }

    // --- fixtures ---

    private Balancer balancer(int liveBackends, int adminPort) throws Exception {
        while (backends.size() < liveBackends) {
            backends.add(BackendServer.start("127.0.0.1", 0, "b" + (backends.size() + 1)));
        }
        String servers = backends.subList(0, liveBackends).stream().map(b -> "{\"url\": \"" + url(b) + "\"}")
                .collect(Collectors.joining(", "));
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": " + adminPort + ", \"servers\": [" + servers
                + "], \"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + ", \"healthyThreshold\": 1}}";
        Balancer balancer = TestBalancer.builder().config(json).startBalancer();
        balancers.add(balancer);
        return balancer;
    }

    private static void awaitChecked(Balancer balancer) {
        Await.until("every backend checked", () -> balancer.pool().all().stream().allMatch(b -> b.lastCheck() != null));
    }

    private static String target(Balancer balancer) {
        return "127.0.0.1:" + balancer.adminPort();
    }

    private static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    private RunningWatch watch(String... args) {
        RunningWatch watch = new RunningWatch(args);
        watches.add(watch);
        return watch;
    }

    /** {@code lbctl watch} running on its own thread, stopped as Ctrl-C would. */
    private static final class RunningWatch {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        private final WatchCommand command;
        private final CompletableFuture<Integer> exit = new CompletableFuture<>();

        RunningWatch(String... args) {
            CommandLine lbctl = Lbctl.commandLine();
            lbctl.setOut(new PrintWriter(out, true));
            lbctl.setErr(new PrintWriter(err, true));
            command = lbctl.getSubcommands().get("watch").getCommand();
            String[] full = new String[args.length + 1];
            full[0] = "watch";
            System.arraycopy(args, 0, full, 1, args.length);
            Thread thread = new Thread(() -> exit.complete(lbctl.execute(full)), "test-lbctl-watch");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitLine(String what, String regex) {
            Pattern pattern = Pattern.compile(regex);
            Await.until(what + " (" + regex + ")", () -> out.toString().lines().anyMatch(l -> pattern.matcher(l).matches()));
        }

        int stop() {
            command.stop();
            try {
                return exit.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("watch did not stop: " + e + "\nout: " + out + "\nerr: " + err);
            }
        }
    }
}
