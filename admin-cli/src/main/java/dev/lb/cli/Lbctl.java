package dev.lb.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lbctl}: the operator's command line for a running balancer. */
@Command(name = "lbctl", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = "Inspect and change a running load balancer over its gRPC admin API.",
        subcommands = {StatusCommand.class, WatchCommand.class, DrainCommand.class, DisableCommand.class,
                EnableCommand.class, WeightCommand.class, AddCommand.class, RemoveCommand.class, ReloadCommand.class,
                ConfigCommand.class})
public final class Lbctl implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GlobalOptions global;

    /** The environment variables lbctl reads (LBCTL_*, XDG_CONFIG_HOME, HOME); tests give their own. */
    private final Map<String, String> environment;

    private Lbctl(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        Interrupts.stopWatchOnCtrlC(commandLine);
        System.exit(commandLine.execute(args));
    }

    /** The full command tree, ready to execute; tests use it with their own out and err writers. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The command tree reading {@code environment} in place of the process's environment variables. */
    static CommandLine commandLine(Map<String, String> environment) {
        CommandLine commandLine = new CommandLine(new Lbctl(environment));
        // Named here, not only registered under the name, so its usage line says "lbctl completion".
        CommandLine completionCommand = new CommandLine(new AutoComplete.GenerateCompletion()).setCommandName("completion");
        completionCommand.getCommandSpec().usageMessage().hidden(false)
                .description("Print a bash/zsh completion script for lbctl.",
                        "Load it with: source <(lbctl completion)");
        completionCommand.getCommandSpec().versionProvider(new Version());
        commandLine.addSubcommand("completion", completionCommand);
        commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        commandLine.setExecutionStrategy(Lbctl::execute);
        commandLine.setParameterExceptionHandler(new UsageErrors());
        commandLine.setExecutionExceptionHandler(Lbctl::handleFailure);
        return commandLine;
    }

    /** Runs the command named, with the options written before its name ({@link GlobalOptions}). */
    private static int execute(ParseResult parsed) {
        if (!helpRequested(parsed)) {
            GlobalOptions.applyTo(parsed);
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    private static boolean helpRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                return true;
            }
        }
        return false;
    }

    /** The environment of the lbctl that runs {@code command}. */
    static Map<String, String> environment(CommandSpec command) {
        if (command != null && command.root().userObject() instanceof Lbctl lbctl) {
            return lbctl.environment;
        }
        return System.getenv();
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("lbctl: name a command, e.g. \"lbctl status\"");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    private static int handleFailure(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        if (e instanceof CliFailure failure) {
            command.getErr().println("lbctl: " + failure.getMessage());
            command.getErr().flush();
            return failure.exitCode();
        }
        command.getErr().println("lbctl: unexpected error: " + e);
        command.getErr().flush();
        return ExitCodes.FAILED;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Lbctl.class.getPackage().getImplementationVersion();
            return new String[]{"lbctl " + (version == null ? "dev" : version)};
        }
    }
}
