package dev.lb.cli;

import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.ReloadRequest;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** {@code lbctl reload}: re-read the balancer's config file, as SIGHUP does, and print what happened. */
@Command(name = "reload", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Re-read the config file the balancer was started with (as SIGHUP does) and print the outcome.",
                "An invalid file changes nothing: the error is printed and the exit code is 1.",
                "Runtime changes (drain, disable, weight, add, remove) give way to what the file says.",
                "Exit codes: 0 applied, 1 rejected (invalid file) or refused, 2 usage error, 3 balancer unreachable."})
final class ReloadCommand extends QuickControlCommand {
    @Override
    public Integer call() {
        ReloadOutcome outcome = call(stub -> stub.reload(ReloadRequest.newBuilder().setActor(Actor.current()).build()));
        PrintWriter out = out();
        if (json) {
            out.println(Formats.json(outcome));
            out.flush();
            return outcome.getApplied() ? ExitCodes.OK : ExitCodes.FAILED;
        }
        if (!outcome.getApplied()) {
            throw new CliFailure(ExitCodes.FAILED, "reload rejected, nothing changed: " + outcome.getError());
        }
        out.println("reloaded " + outcome.getSource() + (outcome.getChangesCount() == 0 ? ": no changes" : ":"));
        outcome.getChangesList().forEach(change -> out.println("  " + change));
        if (outcome.getNeedsRestartCount() > 0) {
            out.println("needs a restart to apply:");
            outcome.getNeedsRestartList().forEach(setting -> out.println("  " + setting));
        }
        out.flush();
        return ExitCodes.OK;
    }
}
