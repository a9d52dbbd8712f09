package dev.lb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code lbctl config ...}: lbctl's contexts, as {@code kubectl config} keeps kubectl's: which balancers
 * and certificates {@code --context NAME} (or the current context) stands for.
 */
@Command(name = "config", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Named contexts (a balancer or several, and the certificates for them) in lbctl's config file:"
                + " $" + ConfigFile.PATH_ENV + ", else $XDG_CONFIG_HOME/lbctl/config.json, else ~/.config/lbctl/config.json.",
                "The file is read only when no one but its owner may access it (chmod 600).",
                ConfigCommand.EXIT_CODES},
        subcommands = {ConfigCommand.GetContexts.class, ConfigCommand.CurrentContext.class, ConfigCommand.UseContext.class,
                ConfigCommand.SetContext.class, ConfigCommand.DeleteContext.class})
final class ConfigCommand implements Callable<Integer> {
    static final String EXIT_CODES = "Exit codes: 0 done, 1 the file could not be written, 2 usage error"
            + " (no such context, a config file others may access or that is not valid).";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("lbctl: name a config command, e.g. \"lbctl config get-contexts\"");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** What the config commands share: the file the environment points at. */
    abstract static class FileCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        ConfigFile file() {
            return ConfigFile.locate(Lbctl.environment(spec));
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        Integer done(String line) {
            out().println(line);
            out().flush();
            return ExitCodes.OK;
        }
    }

    /** A config command on one context that must exist, named by its NAME parameter. */
    abstract static class ExistingContextCommand extends FileCommand {
        @Parameters(paramLabel = "NAME", description = "A context \"lbctl config get-contexts\" lists.")
        String name;

        /**
         * The file's contexts, when NAME is one of them.
         *
         * @throws CliFailure when it is not, listing the contexts there are
         */
        ContextConfig requireContext(ConfigFile file) {
            ContextConfig config = file.read();
            if (config.find(name).isEmpty()) {
                throw Destination.unknown(name, config, file);
            }
            return config;
        }
    }

    @Command(name = "get-contexts", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
            description = {"List the contexts; * marks the current one.", EXIT_CODES})
    static final class GetContexts extends FileCommand {
        @Override
        public Integer call() {
            ConfigFile file = file();
            ContextConfig config = file.read();
            if (config.contexts().isEmpty()) {
                return done("no contexts in " + file.path() + "; add one with \"lbctl config set-context NAME --target HOST:PORT\"");
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"CURRENT", "NAME", "TARGET", "CERT"});
            for (ContextConfig.Entry entry : config.contexts().values()) {
                rows.add(new String[]{entry.name().equals(config.current()) ? "*" : "", entry.name(),
                        entry.targets().isEmpty() ? "-" : entry.targets().stream().map(Target::toString).collect(Collectors.joining(",")),
                        entry.cert() == null ? "-" : entry.cert().toString()});
            }
            int[] widths = new int[4];
            rows.forEach(row -> {
                for (int i = 0; i < row.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            });
            for (String[] row : rows) {
                out().println(String.format("%-" + widths[0] + "s  %-" + widths[1] + "s  %-" + widths[2] + "s  %s",
                        (Object[]) row).stripTrailing());
            }
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "current-context", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
            description = {"Print the current context's name.", EXIT_CODES})
    static final class CurrentContext extends FileCommand {
        @Override
        public Integer call() {
            ConfigFile file = file();
            String current = file.read().current();
            if (current == null) {
                throw new CliFailure(ExitCodes.USAGE, "no current context in " + file.path()
                        + "; choose one with \"lbctl config use-context NAME\"");
            }
            return done(current);
        }
    }

    @Command(name = "use-context", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
            description = {"Make NAME the current context: the one commands use without --context.", EXIT_CODES})
    static final class UseContext extends ExistingContextCommand {
        @Override
        public Integer call() {
            ConfigFile file = file();
            file.write(requireContext(file).withCurrent(name));
            return done("switched to context \"" + name + "\"");
        }
    }

    @Command(name = "set-context", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
            description = {"Add a context, or change the settings given of an existing one. Certificate paths are"
                    + " stored absolute. The first context added becomes the current one.", EXIT_CODES})
    static final class SetContext extends FileCommand {
        @Parameters(paramLabel = "NAME", description = "The context's name.")
        String name;

        @Option(names = {"-t", "--target"}, paramLabel = "HOST:PORT", converter = Target.Converter.class, split = ",",
                description = "The balancer's admin API; several, comma-separated, for status and watch across them.")
        List<Target> targets;

        @Option(names = "--cacert", paramLabel = "FILE", description = "The CA (PEM) of the balancers' certificates.")
        Path caCert;

        @Option(names = "--cert", paramLabel = "FILE", description = "Your client certificate (PEM).")
        Path cert;

        @Option(names = "--key", paramLabel = "FILE", description = "Its private key (PEM).")
        Path key;

        @Override
        public Integer call() {
            ConfigFile file = file();
            ContextConfig config = file.read();
            ContextConfig.Entry old = config.find(name).orElse(new ContextConfig.Entry(name, List.of(), null, null, null));
            ContextConfig.Entry entry = new ContextConfig.Entry(name, targets == null ? old.targets() : targets,
                    absolute(caCert, old.caCert()), absolute(cert, old.cert()), absolute(key, old.key()));
            ContextConfig changed = config.with(entry);
            file.write(changed.current() == null ? changed.withCurrent(name) : changed);
            return done((config.find(name).isPresent() ? "changed" : "added") + " context \"" + name + "\" in " + file.path());
        }

        private static Path absolute(Path given, Path old) {
            return given == null ? old : given.toAbsolutePath().normalize();
        }
    }

    @Command(name = "delete-context", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
            description = {"Remove a context (and make none current, if it was).", EXIT_CODES})
    static final class DeleteContext extends ExistingContextCommand {
        @Override
        public Integer call() {
            ConfigFile file = file();
            file.write(requireContext(file).without(name));
            return done("deleted context \"" + name + "\"");
        }
    }
}
