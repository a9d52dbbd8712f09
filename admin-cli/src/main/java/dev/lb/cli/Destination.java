package dev.lb.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The balancers a command talks to and the certificates it shows them, once the command line, the
 * environment and the config file's context have been weighed: a flag wins over its environment
 * variable, which wins over the context, which wins over the default ({@code localhost:9090},
 * plaintext).
 *
 * @param targets one or more admin APIs, in the order given
 * @param tls     the certificate files
 * @param context the context that supplied anything, or null
 */
record Destination(List<Target> targets, ClientTls tls, String context) {
    static final Target DEFAULT_TARGET = new Target("localhost", 9090);
    static final String CONTEXT_ENV = "LBCTL_CONTEXT";

    Destination {
        targets = List.copyOf(targets);
    }

    /** What the command line gave; each null (or empty) when not given. */
    record Given(List<Target> targets, String context, Path caCert, Path cert, Path key) {
    }

    /**
     * @throws CliFailure exit 2 for a context that does not exist, a config file others may access or
     *                    that is not valid, or a bad {@code LBCTL_TARGET}
     */
    static Destination resolve(Given given, Map<String, String> env, ConfigFile file) {
        ContextConfig.Entry context = context(given.context() != null ? given.context() : env.get(CONTEXT_ENV), file);
        List<Target> targets = given.targets() != null && !given.targets().isEmpty() ? given.targets()
                : given(env.get(TargetOptions.ENV)) ? fromEnv(env.get(TargetOptions.ENV))
                : context != null && !context.targets().isEmpty() ? context.targets()
                : List.of(DEFAULT_TARGET);
        ClientTls tls = new ClientTls(
                pick(given.caCert(), env.get(ClientTls.CACERT_ENV), context == null ? null : context.caCert()),
                pick(given.cert(), env.get(ClientTls.CERT_ENV), context == null ? null : context.cert()),
                pick(given.key(), env.get(ClientTls.KEY_ENV), context == null ? null : context.key()));
        return new Destination(targets, tls, context == null ? null : context.name());
    }

    /** The named context, else the file's current one, else none. */
    private static ContextConfig.Entry context(String named, ConfigFile file) {
        ContextConfig config = file.read();
        if (named != null && !named.isBlank()) {
            return config.find(named).orElseThrow(() -> unknown(named, config, file));
        }
        if (config.current() == null) {
            return null;
        }
        return config.find(config.current()).orElseThrow(() -> new CliFailure(ExitCodes.USAGE, "the current context \""
                + config.current() + "\" in " + file.path() + " does not exist; choose one with \"lbctl config use-context NAME\""));
    }

    static CliFailure unknown(String named, ContextConfig config, ConfigFile file) {
        return new CliFailure(ExitCodes.USAGE, "no context \"" + named + "\" in " + file.path()
                + (config.contexts().isEmpty() ? "; create it with \"lbctl config set-context " + named + " --target HOST:PORT\""
                : "; the contexts are " + String.join(", ", config.contexts().keySet())));
    }

    private static List<Target> fromEnv(String value) {
        List<Target> targets = new ArrayList<>();
        try {
            for (String one : value.split(",")) {
                targets.add(Target.parse(one.trim()));
            }
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.USAGE, TargetOptions.ENV + ": " + e.getMessage());
        }
        return targets;
    }

    private static boolean given(String env) {
        return env != null && !env.isBlank();
    }

    private static Path pick(Path flag, String env, Path context) {
        if (flag != null) {
            return flag;
        }
        if (given(env)) {
            return Path.of(env);
        }
        return context;
    }
}
