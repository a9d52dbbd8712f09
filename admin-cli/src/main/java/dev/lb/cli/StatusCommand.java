package dev.lb.cli;

import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code lbctl status [BACKEND]}: the balancer's backends as a table, or one backend in detail. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Show every backend with its state and counters, or one backend in detail.",
                "With several targets (--target a:9090,b:9090, or a context naming several), asks them all at once"
                        + " and prefixes each line with the balancer it came from; one that does not answer is shown as such.",
                "Exit codes: 0 done (with several targets: at least one answered), 1 the balancer refused"
                        + " (e.g. no such backend; with several targets: any of them), 2 usage error, "
                        + "3 balancer unreachable (with several targets: none answered)."})
final class StatusCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Parameters(arity = "0..1", paramLabel = "BACKEND",
            description = "A backend's name or URL, as the table lists it, to show in detail with its recent state changes.")
    String backend;

    @Option(names = "--json", description = "Print the full answer as JSON instead of a table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "Give up when the balancer has not answered after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (target.all().size() > 1) {
            return StatusOfSeveral.show(target.all(), target.tls(), backend, json, timeout, spec.commandLine().getOut(),
                    spec.commandLine().getErr());
        }
        Duration deadline = timeout;
        GetStatusResponse status;
        try (AdminConnection connection = target.connect()) {
            status = connection.blocking().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .getStatus(GetStatusRequest.newBuilder().setBackend(backend == null ? "" : backend).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw new CliFailure(ExitCodes.FAILED, "no backend \"" + backend + "\" at " + target.single()
                        + "; run \"lbctl status\" to list them");
            }
            throw RpcErrors.failure(target, e, deadline);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(backend == null ? Formats.json(status) : Formats.json(status.getBackends(0)));
        } else if (backend == null) {
            StatusTable.print(status, out);
        } else {
            BackendDetail.print(status.getBackends(0), StatusTable.serverNow(status.getBalancer()), out);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
