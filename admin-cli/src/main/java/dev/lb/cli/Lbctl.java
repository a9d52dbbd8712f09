package dev.lb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lbctl}: the operator's command line for a running balancer. */
@Command(name = "lbctl", mixinStandardHelpOptions = true, version = "lbctl 0.1.0",
        description = "Inspect and control a running load balancer over its gRPC admin API.")
public final class Lbctl implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Lbctl()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
