package dev.lb.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        lbctl.setOut(new PrintWriter(out, true));
        lbctl.setErr(new PrintWriter(err, true));
        int exit = lbctl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
