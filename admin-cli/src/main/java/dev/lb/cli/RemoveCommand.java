package dev.lb.cli;

import dev.lb.admin.v1.RemoveBackendRequest;
import dev.lb.admin.v1.RemoveBackendResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@code lbctl remove BACKEND}: drains the backend, then drops it; returns once it has left. */
@Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Remove a backend: it drains, then leaves the pool (at the latest after the config's drainTimeoutMs).",
                "Waits until it has left. Lasts until a reload or a restart: remove it from the config file too.",
                "Exit codes: 0 removed, 1 the balancer refused (unknown backend), 2 usage error, 3 balancer unreachable,"
                        + " 4 --timeout passed first (the removal goes on)."})
final class RemoveCommand extends ControlCommand {
    @Parameters(paramLabel = "BACKEND", description = "The backend's name or URL, as \"lbctl status\" lists it.")
    String backend;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the backend to leave (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    Duration deadline() {
        return timeout;
    }

    @Override
    public Integer call() {
        RemoveBackendResponse answer;
        try (AdminConnection connection = target.connect()) {
            answer = connection.blocking().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .removeBackend(RemoveBackendRequest.newBuilder().setBackend(backend).setActor(Actor.current()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && reachable()) {
                throw new CliFailure(ExitCodes.TIMED_OUT, backend + " has not left after " + Formats.age(timeout)
                        + "; it is still draining and leaves at the latest after the config's drainTimeoutMs");
            }
            throw RpcErrors.failure(target, e, timeout);
        }
        String who = answer.getBackend().equals(answer.getUrl()) ? answer.getUrl() : answer.getBackend() + " (" + answer.getUrl() + ")";
        out().println(json ? Formats.json(answer) : "removed " + who + (answer.getInFlight() == 0 ? ", drained"
                : ", " + Integer.toUnsignedString(answer.getInFlight()) + " still in flight after the drain timeout (they finish)"));
        out().flush();
        return ExitCodes.OK;
    }

    /** Whether the balancer answers at all, to tell a slow removal from a missing balancer. */
    private boolean reachable() {
        try (AdminConnection connection = target.connect()) {
            connection.blocking().withDeadlineAfter(3, TimeUnit.SECONDS)
                    .getStatus(dev.lb.admin.v1.GetStatusRequest.newBuilder().setBackend(backend).build());
            return true;
        } catch (StatusRuntimeException e) {
            return !RpcErrors.unreachable(e);
        }
    }
}
