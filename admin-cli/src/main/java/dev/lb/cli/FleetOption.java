package dev.lb.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Option;

import java.util.Optional;

/**
 * {@code --fleet}: the change goes to every balancer of the target's fleet. lbctl only sets a flag; the
 * target balancer writes the change to etcd, so lbctl needs no etcd access or credentials.
 */
final class FleetOption {
    @Option(names = "--fleet", description = "Make the change on every balancer of the target's fleet: the target writes it"
            + " to etcd (discovery.etcd in its config) and each balancer following it applies it within a second.")
    boolean fleet;

    /**
     * A fleet change refused as malformed can only mean a balancer without etcd: a usage error naming
     * the fix, as the balancer words it.
     */
    Optional<CliFailure> usage(StatusRuntimeException e) {
        if (!fleet || e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
            return Optional.empty();
        }
        return Optional.of(new CliFailure(ExitCodes.USAGE, "--fleet: " + e.getStatus().getDescription()));
    }
}
