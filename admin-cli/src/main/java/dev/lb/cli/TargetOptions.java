package dev.lb.cli;

import picocli.CommandLine.Option;

/** {@code --target}, shared by every command that talks to a balancer. */
final class TargetOptions {
    static final String ENV = "LBCTL_TARGET";

    @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", converter = Target.Converter.class,
            defaultValue = "${env:" + ENV + ":-localhost:9090}",
            description = "Admin API of the balancer (default: ${DEFAULT-VALUE}; env " + ENV + ")")
    Target target;
}
