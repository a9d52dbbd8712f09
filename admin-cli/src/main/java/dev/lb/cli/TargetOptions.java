package dev.lb.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code --target}, {@code --context} and the TLS files, shared by every command that talks to a
 * balancer; what they leave open comes from the environment and the config file ({@link Destination}).
 */
final class TargetOptions {
    static final String ENV = "LBCTL_TARGET";

    @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", converter = Target.Converter.class, split = ",",
            description = "Admin API of the balancer; status and watch take several, comma-separated"
                    + " (default: env " + ENV + ", else the context's, else localhost:9090)")
    List<Target> targets;

    @Option(names = "--context", paramLabel = "NAME",
            description = "Take target and certificates from this context of the config file (env "
                    + Destination.CONTEXT_ENV + "; default: its current context); flags and env win over it")
    String context;

    @Option(names = "--cacert", paramLabel = "FILE",
            description = "Speak TLS and trust this CA (PEM) for the balancer's certificate (env "
                    + ClientTls.CACERT_ENV + ")")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "Client certificate (PEM) for a balancer with adminTls; its CN is your name there (env "
                    + ClientTls.CERT_ENV + ")")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Private key (PEM) of --cert (env " + ClientTls.KEY_ENV + ")")
    Path key;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    private Destination destination;

    /** Flags, environment and config file weighed once per command. */
    Destination destination() {
        if (destination == null) {
            Map<String, String> env = Lbctl.environment(command);
            destination = Destination.resolve(new Destination.Given(targets, context, caCert, cert, key), env,
                    ConfigFile.locate(env));
        }
        return destination;
    }

    ClientTls tls() {
        return destination().tls();
    }

    /** Every balancer given. */
    List<Target> all() {
        return destination().targets();
    }

    /**
     * The one balancer a change goes to.
     *
     * @throws CliFailure exit 2 when several were given: a change is made on one balancer at a time
     */
    Target single() {
        List<Target> all = all();
        if (all.size() > 1) {
            String name = command == null ? "this command" : "\"" + command.qualifiedName() + "\"";
            throw new CliFailure(ExitCodes.USAGE, name + " changes one balancer at a time, and "
                    + (destination().context() != null && (targets == null || targets.isEmpty())
                    ? "context \"" + destination().context() + "\" names " + all.size()
                    : all.size() + " were given") + "; name one with --target (only status and watch take several)");
        }
        return all.get(0);
    }

    /** A connection to the one target, over mutual TLS when any of the TLS files was given. */
    AdminConnection connect() {
        return new AdminConnection(single(), tls());
    }
}
