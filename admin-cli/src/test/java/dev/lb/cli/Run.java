package dev.lb.cli;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/** One in-JVM run of lbctl: its exit code and what it printed on stdout and stderr. */
final class Run {
    final int exit;
    final String out;
    final String err;

    private Run(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    static Run run(String... args) {
        return execute(Lbctl.commandLine(), args);
    }

    /** A run that sees {@code environment} as its environment variables, and no others. */
    static Run withEnvironment(Map<String, String> environment, String... args) {
        return execute(Lbctl.commandLine(environment), args);
    }

    private static Run execute(CommandLine lbctl, String... args) {
        WarmJvm.once();
        return executeNow(lbctl, args);
    }

    private static Run executeNow(CommandLine lbctl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        lbctl.setOut(new PrintWriter(out, true));
        lbctl.setErr(new PrintWriter(err, true));
        int exit = lbctl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /**
     * The first gRPC call in a JVM loads and initialises gRPC, Netty and protobuf; on a loaded 2-core
     * machine that alone outlasted status's 5 s default deadline, and a test's first command failed as
     * "no answer within 5s". So before the first run, lbctl asks a server without services (it answers
     * UNIMPLEMENTED) with a generous deadline, and the tests' commands meet a warm JVM: the deadlines
     * they exercise are their own, not the class loader's.
     */
    private static final class WarmJvm {
        static {
            try {
                Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .build().start();
                try {
                    executeNow(Lbctl.commandLine(), "status", "--target", "127.0.0.1:" + server.getPort(), "--timeout", "60s");
                } finally {
                    server.shutdownNow();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Runs the warm-up, on the first call only. */
        static void once() {
        }
    }
}
