package dev.lb.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --target} and the TLS files, shared by every command that talks to a balancer. */
final class TargetOptions {
    static final String ENV = "LBCTL_TARGET";

    @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", converter = Target.Converter.class,
            defaultValue = "${env:" + ENV + ":-localhost:9090}",
            description = "Admin API of the balancer (default: ${DEFAULT-VALUE}; env " + ENV + ")")
    Target target;

    @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:" + ClientTls.CACERT_ENV + "}",
            description = "Speak TLS and trust this CA (PEM) for the balancer's certificate (env "
                    + ClientTls.CACERT_ENV + ")")
    Path caCert;

    @Option(names = "--cert", paramLabel = "FILE", defaultValue = "${env:" + ClientTls.CERT_ENV + "}",
            description = "Client certificate (PEM) for a balancer with adminTls; its CN is your name there (env "
                    + ClientTls.CERT_ENV + ")")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", defaultValue = "${env:" + ClientTls.KEY_ENV + "}",
            description = "Private key (PEM) of --cert (env " + ClientTls.KEY_ENV + ")")
    Path key;

    ClientTls tls() {
        return new ClientTls(caCert, cert, key);
    }

    /** A connection to the target, over mutual TLS when any of the TLS files was given. */
    AdminConnection connect() {
        return new AdminConnection(target, tls());
    }
}
