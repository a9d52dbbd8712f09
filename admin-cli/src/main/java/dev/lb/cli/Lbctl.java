package dev.lb.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code lbctl}: the operator's command line for a running balancer. */
@Command(name = "lbctl", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = "Inspect and change a running load balancer over its gRPC admin API.",
        subcommands = {StatusCommand.class, WatchCommand.class, DrainCommand.class, DisableCommand.class,
                EnableCommand.class, WeightCommand.class, AddCommand.class, RemoveCommand.class, ReloadCommand.class})
public final class Lbctl implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        Interrupts.stopWatchOnCtrlC(commandLine);
        System.exit(commandLine.execute(args));
    }

    /** The full command tree, ready to execute; tests use it with their own out and err writers. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Lbctl());
        AutoComplete.GenerateCompletion completion = new AutoComplete.GenerateCompletion();
        commandLine.addSubcommand("completion", completion);
        CommandLine completionCommand = commandLine.getSubcommands().get("completion");
        completionCommand.getCommandSpec().usageMessage().hidden(false)
                .description("Print a bash/zsh completion script for lbctl.",
                        "Load it with: source <(lbctl completion)");
        completionCommand.getCommandSpec().versionProvider(new Version());
        commandLine.setExecutionExceptionHandler(Lbctl::handleFailure);
        return commandLine;
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
