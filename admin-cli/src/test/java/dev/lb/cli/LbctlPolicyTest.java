package dev.lb.cli;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slow-start ramps and ejections as {@code lbctl status} and {@code lbctl watch} show them. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LbctlPolicyTest {
    private BackendServer b1;
    private BackendServer b2;
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
        if (b1 != null) {
            b1.close();
        }
        if (b2 != null) {
            b2.close();
        }
    }

    @Test
    void statusShowsTheRampAndTheEjectionAndWatchShowsTheEjectionAsItHappens() throws Exception {
        b1 = BackendServer.start("127.0.0.1", 0, "b1");
        b2 = BackendServer.start("127.0.0.1", 0, "b2");
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": ["
                + "{\"url\": \"http://127.0.0.1:" + b1.port() + "\", \"name\": \"one\"},"
                + "{\"url\": \"http://127.0.0.1:" + b2.port() + "\", \"name\": \"two\"}],"
                + " \"healthCheckInterval\": 3600, \"slowStartMs\": 600000, \"stickyCookie\": {},"
                + " \"passiveHealth\": {\"consecutive5xx\": 5, \"maxEjectionPercent\": 50}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        String target = "127.0.0.1:" + balancer.adminPort();
        StringWriter watched = startWatch(target);
        Await.until("the watch's snapshot", () -> watched.toString().contains("two"));

        // given "two" re-enabled after maintenance (it ramps) and "one" ejected for 5xx answers
        run("disable", "two", "--target", target);
        run("enable", "two", "--target", target);
        Backend two = balancer.pool().all().get(1);
        Await.until("two back in rotation", () -> balancer.pool().available().contains(two));
        Backend one = balancer.pool().all().get(0);
        for (int i = 0; i < 5; i++) {
            balancer.passiveHealth().answered(one, 500);
        }

        Run table = run("status", "--target", target);
        Run detail = run("status", "one", "--target", target);

        assertEquals(0, table.exit, table.err);
        List<String> lines = table.out.lines().toList();
        assertTrue(lines.get(0).endsWith("POLICY"), lines.get(0));
        assertTrue(lines.get(1).matches("one .*ejected \\d+s more \\(5 consecutive 5xx\\)"), lines.get(1));
        assertTrue(lines.get(2).matches("two .*ramp 10%, (9m \\d+s|10m 0s) left"), lines.get(2));
        assertTrue(table.out.contains("policies: sticky cookie LB_BACKEND; slow start 10m 0s; ejection after 5 consecutive 5xx (at most 50% of backends)"),
                table.out);
        assertTrue(detail.out.contains("Ejections:   1, last for 5 consecutive 5xx"), detail.out);
        assertTrue(detail.out.contains("Sticky ID:   " + one.stickyId()), detail.out);
        Await.until("the ejection in the watch", () -> watched.toString().lines()
                .anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d EJECTED one http://127.0.0.1:\\d+ for 30s \\(5 consecutive 5xx\\)")));
        Await.until("the ramp in a stats line", () -> watched.toString().lines()
                .anyMatch(l -> l.matches(".* stats .*, ejected 1, ramp two 10%")));

        run("enable", "one", "--target", target);
        Await.until("the end of the ejection in the watch", () -> watched.toString().lines()
                .anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d UNEJECTED one http://127.0.0.1:\\d+ \\(ended by .*\\)")));
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
