package dev.lb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.config.ConfigLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.lb.testing.Await.until;
import static dev.lb.cli.Run.run;
import static dev.lb.cli.Run.withEnvironment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lbctl --target a:9090,b:9090 status|watch}: several balancers in one view, a dead one shown as such. */
class LbctlSeveralTargetsTest {
    /** Each balancer's deadline: generous, as the tests share a loaded machine. */
    private static final String LOADED = "20s";
    private static BackendServer backend;
    private static Balancer first;
    private static Balancer second;
    private static String a;
    private static String b;
    private static String dead;
    private static String backendUrl;

    @BeforeAll
    static void startTwoBalancers() throws Exception {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        backendUrl = "http://127.0.0.1:" + backend.port();
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 3600,"
                + " \"servers\": [{\"url\": \"" + backendUrl + "\"}]}";
        first = new Balancer(ConfigLoader.parse(json, "test-config")).start();
        second = new Balancer(ConfigLoader.parse(json, "test-config")).start();
        a = "127.0.0.1:" + first.adminPort();
        b = "127.0.0.1:" + second.adminPort();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = "127.0.0.1:" + probe.getLocalPort(); // free again once closed: nothing listens there
        }
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        backend.close();
    }

    @Test
    void statusPrefixesEveryLineWithItsBalancerAndShowsTheUnreachableOne() {
        Run run = run("--target", a + "," + dead + "," + b, "status", "--timeout", LOADED);

        assertEquals(0, run.exit, "one balancer down is not a failed command: " + run.err + run.out);
        List<String> lines = run.out.lines().toList();
        assertEquals(7, lines.size(), run.out);
        assertTrue(lines.get(0).startsWith(a + "  BACKEND"), run.out);
        assertTrue(lines.get(1).startsWith(a + "  " + backendUrl), run.out);
        assertTrue(lines.get(2).startsWith(a + "  1 backends") || lines.get(2).startsWith(a + "  1 backend,"), run.out);
        assertEquals(dead + "  unreachable (connection refused)", lines.get(3));
        assertTrue(lines.get(4).startsWith(b + "  BACKEND"), run.out);
        assertEquals("lbctl: no answer from " + dead + " (1 of 3); the others are shown", run.err.strip());
    }

    @Test
    void whenNoneAnswersTheExitCodeIsUnreachable() {
        Run run = run("status", "--target", dead + "," + dead);

        assertEquals(ExitCodes.UNREACHABLE, run.exit, run.err);
        assertEquals("lbctl: no answer from any of " + dead + ", " + dead, run.err.strip());
    }

    @Test
    void jsonGivesEachBalancersAnswerOrItsError() throws Exception {
        Run run = run("status", "--json", "-t", a, "-t", dead, "--timeout", LOADED);

        assertEquals(0, run.exit, run.err);
        JsonNode instances = new ObjectMapper().readTree(run.out).get("instances");
        assertEquals(2, instances.size(), run.out);
        assertEquals(a, instances.get(0).get("target").asText());
        assertEquals(backendUrl, instances.get(0).at("/status/backends/0/url").asText(), run.out);
        assertEquals(dead, instances.get(1).get("target").asText());
        assertEquals(ExitCodes.UNREACHABLE, instances.get(1).get("exitCode").asInt());
    }

    @Test
    void aChangeGoesToOneBalancerSoSeveralTargetsAreAUsageError(@TempDir Path home) throws Exception {
        Path config = home.resolve("lbctl.json");
        Files.writeString(config, "{\"currentContext\": \"pair\", \"contexts\": {\"pair\": {\"targets\": [\"" + a + "\", \""
                + b + "\"]}}}");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));

        Run drain = run("drain", backendUrl, "--target", a + "," + b);
        Run fromContext = withEnvironment(Map.of("LBCTL_CONFIG", config.toString()), "disable", backendUrl);
        Run status = withEnvironment(Map.of("LBCTL_CONFIG", config.toString()), "status", "--timeout", LOADED);

        assertEquals(ExitCodes.USAGE, drain.exit, drain.err);
        assertEquals("lbctl: \"lbctl drain\" changes one balancer at a time, and 2 were given; name one with --target"
                + " (only status and watch take several)", drain.err.strip());
        assertEquals(ExitCodes.USAGE, fromContext.exit, fromContext.err);
        assertEquals("lbctl: \"lbctl disable\" changes one balancer at a time, and context \"pair\" names 2; name one"
                + " with --target (only status and watch take several)", fromContext.err.strip());
        assertEquals(0, status.exit, status.err + status.out);
        assertTrue(status.out.lines().anyMatch(l -> l.startsWith(b + "  ")), status.out);
    }

    @Test
    void watchFollowsEveryBalancerAndRetriesTheDeadOne() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine lbctl = Lbctl.commandLine();
        lbctl.setOut(new PrintWriter(out, true));
        lbctl.setErr(new PrintWriter(err, true));
        WatchCommand command = lbctl.getSubcommands().get("watch").getCommand();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread thread = new Thread(() -> exit.complete(lbctl.execute("watch", "--target", a + "," + b + "," + dead)),
                "test-lbctl-watch");
        thread.setDaemon(true);
        thread.start();
        String time = "\\d\\d:\\d\\d:\\d\\d";
        try {
            // The snapshot: one line per backend, whatever its health so far.
            awaitLine(out, Pattern.quote(a) + " +" + time + " \\S+ +" + Pattern.quote(backendUrl) + ".*");
            awaitLine(out, Pattern.quote(b) + " +" + time + " \\S+ +" + Pattern.quote(backendUrl) + ".*");
            until("the dead balancer named on stderr", () -> err.toString().contains("still cannot reach " + dead));

            assertEquals(0, run("drain", backendUrl, "--target", b).exit);

            awaitLine(out, Pattern.quote(b) + " +" + time + " DRAIN " + Pattern.quote(backendUrl) + " ready -> draining.*");
            assertTrue(out.toString().lines().noneMatch(l -> l.startsWith(a) && l.contains("DRAIN")), out.toString());
        } finally {
            command.stop();
            assertEquals(0, exit.get(20, TimeUnit.SECONDS), err.toString());
            run("enable", backendUrl, "--target", b);
        }
    }

    private static void awaitLine(StringWriter out, String regex) {
        Pattern pattern = Pattern.compile(regex);
        try {
            until(regex, () -> out.toString().lines().anyMatch(l -> pattern.matcher(l).matches()));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nout:\n" + out, e);
        }
    }
}
