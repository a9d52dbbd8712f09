package dev.lb.cli;

import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command against a target where no balancer answers: a host name that does not resolve, a port
 * nothing listens on, and a port where something other than gRPC answers. Each time: one line on
 * stderr, nothing on stdout, no stack trace, exit 3.
 */
class LbctlUnreachableTest {
    private static final String UNRESOLVABLE = "nohost.invalid:9090"; // .invalid never resolves (RFC 6761)

    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private ServerSocket http1;
    private Thread http1Thread;

    @BeforeEach
    void listen() throws IOException {
        Logger.getLogger("").addHandler(recorder);
        http1 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        http1Thread = new Thread(this::answerHttp1, "test-http1-server");
        http1Thread.setDaemon(true);
        http1Thread.start();
    }

    @AfterEach
    void close() throws IOException {
        Logger.getLogger("").removeHandler(recorder);
        http1.close();
    }

    @Test
    void anUnresolvableHostIsOneLineWithoutAStackTraceForEveryCommand() {
        for (List<String> command : LbctlCommandLineTest.EVERY_COMMAND) {
            Run run = runAgainst(command, UNRESOLVABLE);

            assertOneLine(command, run, "lbctl: cannot reach the balancer's admin API at " + UNRESOLVABLE
                    + ": unknown host (check the host name in --target or LBCTL_TARGET)");
        }
        assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList(), "nothing logged by gRPC");
    }

    @Test
    void aRefusedPortIsOneLineForEveryCommand() throws IOException {
        String target = "127.0.0.1:" + freePort();

        for (List<String> command : LbctlCommandLineTest.EVERY_COMMAND) {
            Run run = runAgainst(command, target);

            assertOneLine(command, run, "lbctl: cannot reach the balancer's admin API at " + target
                    + ": connection refused (is the balancer running? point --target or LBCTL_TARGET at its adminPort)");
        }
        assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList(), "nothing logged by gRPC");
    }

    @Test
    void aPortThatSpeaksHttp1IsNamedAsNotGrpcForEveryCommand() {
        String target = "127.0.0.1:" + http1.getLocalPort();

        for (List<String> command : LbctlCommandLineTest.EVERY_COMMAND) {
            List<String> patient = new ArrayList<>(command);
            if (!command.get(0).equals("watch")) { // a loaded machine must not turn the answer into a timeout
                patient.addAll(List.of("--timeout", Await.WAIT.toSeconds() + "s"));
            }
            Run run = runAgainst(patient, target);

            assertOneLine(command, run, "lbctl: " + target + " does not speak gRPC (is it the balancer's proxy port"
                    + " rather than its adminPort, default 9090?)");
        }
        assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList(), "nothing logged by gRPC");
    }

    /** The real process: what reaches the terminal's stderr, gRPC's own logging included. */
    @Test
    void theProcessPrintsOnlyItsOwnLineForAnUnresolvableHost() throws Exception {
        for (List<String> command : List.of(List.of("status"), List.of("watch"), List.of("drain", "x"))) {
            List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            if (Runtime.version().feature() >= 22) {
                // What lbctl.jar's manifest grants (Enable-Native-Access), given here for a class path run:
                // without it, newer JDKs warn on stderr when Netty loads its native transport.
                args.add("--enable-native-access=ALL-UNNAMED");
            }
            args.addAll(List.of("-cp", System.getProperty("java.class.path"), Lbctl.class.getName()));
            args.addAll(command);
            args.addAll(List.of("--target", UNRESOLVABLE));
            Process process = new ProcessBuilder(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err;
            try (InputStream in = process.getErrorStream()) {
                err = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(process.waitFor(Await.WAIT.toSeconds(), TimeUnit.SECONDS), command + " did not end");

            assertEquals(ExitCodes.UNREACHABLE, process.exitValue(), command + ": " + err);
            assertEquals("lbctl: cannot reach the balancer's admin API at " + UNRESOLVABLE
                    + ": unknown host (check the host name in --target or LBCTL_TARGET)", err.strip(), command.toString());
        }
    }

    private static Run runAgainst(List<String> command, String target) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--target", target));
        return run(args.toArray(String[]::new));
    }

    private static void assertOneLine(List<String> command, Run run, String expected) {
        assertEquals(ExitCodes.UNREACHABLE, run.exit, command + ": " + run.err);
        assertEquals(expected, run.err.strip(), command.toString());
        assertEquals("", run.out, command.toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort(); // free again once closed: nothing listens there
        }
    }

    /** Answers whatever arrives with an HTTP/1.1 error, as a web server does to HTTP/2's preface. */
    private void answerHttp1() {
        while (!http1.isClosed()) {
            try {
                Socket client = http1.accept();
                Thread answer = new Thread(() -> answer(client), "test-http1-answer");
                answer.setDaemon(true);
                answer.start();
            } catch (IOException e) {
                // closed by the test
            }
        }
    }

    private static void answer(Socket client) {
        try (client) {
            client.getInputStream().read(new byte[1024]);
            OutputStream out = client.getOutputStream();
            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // a client that went away
        }
    }
}
