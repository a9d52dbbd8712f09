package dev.lb.cli;

import dev.lb.admin.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.lb.admin.v1.BackendStatus;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the runtime-control commands share: the target, {@code --json}, {@code --timeout} as a deadline,
 * and turning refusals into one line and an exit code.
 */
abstract class ControlCommand implements Callable<Integer> {
    /** The exit codes of a change to a named backend; the help of each command lists its own. */
    static final String EXIT_CODES = "Exit codes: 0 done, 1 the balancer refused (unknown backend, being removed),"
            + " 2 usage error, 3 balancer unreachable.";

    @Mixin
    TargetOptions target;

    @Option(names = "--json", description = "Print the balancer's answer as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** How long to wait for the answer; commands declare the option with their own default. */
    abstract Duration deadline();

    /** Runs one unary call with the deadline, turning a gRPC failure into a {@link CliFailure}. */
    final <T> T call(Function<AdminServiceBlockingStub, T> rpc) {
        try (AdminConnection connection = target.connect()) {
            return rpc.apply(connection.blocking().withDeadlineAfter(deadline().toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw fleet().flatMap(f -> f.usage(e)).orElseGet(() -> RpcErrors.failure(target, e, deadline()));
        }
    }

    /** The command's {@code --fleet}, for those that have one. */
    java.util.Optional<FleetOption> fleet() {
        return java.util.Optional.empty();
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** "http://localhost:8002: maintenance, weight 1, UP, 0 in flight" */
    static String describe(BackendStatus b) {
        String who = b.getName().equals(b.getUrl()) ? b.getUrl() : b.getName() + " (" + b.getUrl() + ")";
        return who + ": " + Formats.adminState(b.getAdminState()) + ", weight " + Integer.toUnsignedString(b.getWeight())
                + ", " + Formats.state(b.getHealth()) + ", " + Integer.toUnsignedString(b.getInFlight()) + " in flight";
    }
}
