package dev.lb.cli;

import com.google.protobuf.util.JsonFormat;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How lbctl reads its command line: options before or after the command, durations, help, usage errors. */
class LbctlCommandLineTest {
    /** Every command with arguments that make it call the balancer. */
    static final List<List<String>> EVERY_COMMAND = List.of(
            List.of("status"), List.of("watch"), List.of("drain", "x"), List.of("disable", "x"), List.of("enable", "x"),
            List.of("weight", "x", "1"), List.of("add", "http://127.0.0.1:1"), List.of("remove", "x"), List.of("reload"));

    private BackendServer backend;
    private Balancer balancer;

    @AfterEach
    void tearDown() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void targetJsonAndTimeoutMayComeBeforeTheCommand() throws Exception {
        String target = startBalancer();

        Run run = run("--target", target, "--json", "--timeout", "2s", "status");

        assertEquals(0, run.exit, run.err);
        GetStatusResponse.Builder parsed = GetStatusResponse.newBuilder();
        JsonFormat.parser().merge(run.out, parsed);
        assertEquals(1, parsed.getBackendsCount());
        Run shortName = run("-t", target, "status");
        assertEquals(0, shortName.exit, shortName.err);
    }

    @Test
    void anOptionAfterTheCommandWinsOverTheSameOptionBeforeIt() throws Exception {
        String target = startBalancer();

        Run run = run("--target", "127.0.0.1:1", "status", "--target", target);

        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.startsWith("BACKEND"), run.out);
    }

    @Test
    void anOptionBeforeACommandThatDoesNotTakeItIsAUsageError() {
        Run watch = run("--timeout", "2s", "watch");
        Run completion = run("--target", "localhost:9090", "completion");

        assertEquals(ExitCodes.USAGE, watch.exit);
        assertEquals("lbctl: --timeout does not apply to \"lbctl watch\"; leave it out (see \"lbctl watch --help\")",
                watch.err.strip());
        assertEquals(ExitCodes.USAGE, completion.exit);
        assertEquals(1, completion.err.lines().count(), completion.err);
    }

    @Test
    void statusTimeoutIsADurationLikeEveryOtherCommandsTimeout() throws Exception {
        String target = startBalancer();

        for (String timeout : List.of("2s", "1500ms", "1m", "5")) {
            Run run = run("status", "--timeout", timeout, "--target", target);
            assertEquals(0, run.exit, timeout + ": " + run.err);
        }
        Run bad = run("status", "--timeout", "soon");
        assertEquals(ExitCodes.USAGE, bad.exit);
        assertTrue(bad.err.contains("\"soon\" is not a duration; write e.g. 30s, 500ms, 2m or 1h"), bad.err);
    }

    @Test
    void helpLikeKubectlAndAMisspeltCommandGetsASuggestionOnlyWhenClose() {
        Run help = run("help");
        Run helpStatus = run("help", "status");
        Run typo = run("stauts");
        Run prefix = run("stat");
        Run unrelated = run("frobnicate");

        assertEquals(0, help.exit, help.err);
        assertTrue(help.out.startsWith("Usage: lbctl "), help.out);
        assertEquals(0, helpStatus.exit, helpStatus.err);
        assertTrue(helpStatus.out.startsWith("Usage: lbctl status "), helpStatus.out);
        assertEquals(ExitCodes.USAGE, typo.exit);
        assertEquals("lbctl: unknown command \"stauts\"; did you mean \"status\"?", typo.err.strip());
        assertEquals("lbctl: unknown command \"stat\"; did you mean \"status\"?", prefix.err.strip());
        assertEquals(ExitCodes.USAGE, unrelated.exit);
        assertEquals(1, unrelated.err.lines().count(), unrelated.err);
        assertFalse(unrelated.err.contains("did you mean"), unrelated.err);
        assertTrue(unrelated.err.contains("the commands are status, watch, drain"), unrelated.err);
    }

    @Test
    void suggestionsComeOnlyFromSlipsOfTheKeyboard() {
        List<String> commands = List.of("status", "watch", "drain", "disable", "enable", "weight", "add", "remove", "reload");

        assertEquals("reload", UsageErrors.closest("relaod", commands).orElseThrow());
        assertEquals("weight", UsageErrors.closest("wieght", commands).orElseThrow());
        assertEquals("add", UsageErrors.closest("ad", commands).orElseThrow());
        assertTrue(UsageErrors.closest("help", commands).isEmpty());
        assertTrue(UsageErrors.closest("foo", commands).isEmpty());
        assertTrue(UsageErrors.closest("x", commands).isEmpty());
    }

    @Test
    void completionHelpNamesTheCommandAsItIsTyped() {
        Run run = run("completion", "--help");

        assertEquals(0, run.exit, run.err);
        assertTrue(run.out.startsWith("Usage: lbctl completion "), run.out);
    }

    @Test
    void aUsageErrorIsOneLineNamingTheProblemAndTheHelp() {
        Run run = run("status", "--bogus");

        assertEquals(ExitCodes.USAGE, run.exit);
        assertEquals("lbctl: Unknown option: '--bogus' (see \"lbctl status --help\")", run.err.strip());
    }

    /** The help's "Exit codes:" line of each command says what the command does in each case. */
    @Test
    void everyCommandsHelpListsTheExitCodesItReallyUses() {
        for (List<String> command : EVERY_COMMAND) {
            String name = command.get(0);
            Map<Integer, String> documented = exitCodes(run(name, "--help").out);

            assertTrue(documented.get(0) != null && documented.get(1) != null, name + ": " + documented);
            assertTrue(documented.get(2).startsWith("usage error"), name + ": " + documented);
            assertTrue(documented.get(3).startsWith("balancer unreachable"), name + ": " + documented);
            assertEquals(ExitCodes.USAGE, run(name, "--bogus").exit, name);
            assertFalse(documented.get(1).contains("weight"), name + ": a weight out of range is a usage error, exit 2");
        }
        for (List<String> outOfRange : List.of(List.of("weight", "x", "1001"), List.of("add", "http://127.0.0.1:1", "--weight", "1001"))) {
            Run run = run(outOfRange.toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, run.exit, outOfRange + ": " + run.err);
            assertTrue(exitCodes(run(outOfRange.get(0), "--help").out).get(2).contains("outside 0-1000"), outOfRange.toString());
        }
        for (String waits : List.of("drain", "remove")) {
            assertTrue(exitCodes(run(waits, "--help").out).get(4).contains("--timeout passed first"), waits);
        }
    }

    /** "Exit codes: 0 done, 1 the balancer refused (...), 2 usage error" as code to meaning. */
    private static Map<Integer, String> exitCodes(String help) {
        String flat = help.replaceAll("\\s+", " ");
        Matcher line = Pattern.compile("Exit codes: (.*?\\.)(?= [^a-z]|$)").matcher(flat);
        assertTrue(line.find(), help);
        Map<Integer, String> codes = new LinkedHashMap<>();
        Matcher entry = Pattern.compile("(\\d) (.*?)(?=, \\d |\\.$)").matcher(line.group(1));
        while (entry.find()) {
            codes.put(Integer.parseInt(entry.group(1)), entry.group(2));
        }
        return codes;
    }

    private String startBalancer() throws Exception {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [{\"url\": \"http://127.0.0.1:"
                + backend.port() + "\"}], \"healthCheckInterval\": 1,"
                + " \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + "}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        return "127.0.0.1:" + balancer.adminPort();
    }
}
