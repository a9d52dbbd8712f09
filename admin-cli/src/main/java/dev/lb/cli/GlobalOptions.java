package dev.lb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code --target}, {@code --context}, {@code --json}, {@code --timeout} and the TLS files written before the command
 * ({@code lbctl --target db-lb:9090 status}, the kubectl and docker habit). Each command declares the
 * same options itself; {@link #applyTo} hands the values given before the command to it, as if they
 * had been written after it. A value written after the command wins.
 */
final class GlobalOptions {
    /** The options a command may take from before its name. */
    static final List<String> NAMES = List.of("--target", "--context", "--json", "--timeout", "--cacert", "--cert", "--key");

    @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", converter = Target.Converter.class, split = ",",
            description = "Admin API of the balancer, for every command; status and watch take several, comma-separated"
                    + " (default: $" + TargetOptions.ENV + ", else the context's, else localhost:9090). May also follow the command.")
    List<Target> targets;

    @Option(names = "--context", paramLabel = "NAME",
            description = "Target and certificates from this context of lbctl's config file (see \"lbctl config\")."
                    + " May also follow the command.")
    String context;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "CA (PEM) of the balancer's certificate; speaks TLS (env " + ClientTls.CACERT_ENV + ")."
                    + " May also follow the command.")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "Client certificate (PEM) for a balancer with adminTls (env " + ClientTls.CERT_ENV + ")."
                    + " May also follow the command.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE",
            description = "Private key (PEM) of --cert (env " + ClientTls.KEY_ENV + "). May also follow the command.")
    Path key;

    @Option(names = "--json", description = "Print the balancer's answer as JSON. May also follow the command.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Each command's --timeout (30s, 500ms, 2m). May also follow the command.")
    Duration timeout;

    /**
     * Copies each option matched before the command onto the command, unless the command was given
     * that option itself.
     *
     * @throws CommandLine.ParameterException for an option the command does not take (a usage error)
     */
    static void applyTo(ParseResult root) {
        ParseResult command = root.subcommand();
        if (command == null) {
            return;
        }
        for (String name : NAMES) {
            OptionSpec given = root.matchedOption(name);
            if (given == null || command.hasMatchedOption(name)) {
                continue;
            }
            OptionSpec own = command.commandSpec().findOption(name);
            if (own == null) {
                throw new CommandLine.ParameterException(command.commandSpec().commandLine(),
                        name + " does not apply to \"lbctl " + command.commandSpec().name() + "\"; leave it out");
            }
            own.setValue(given.getValue());
        }
    }
}
