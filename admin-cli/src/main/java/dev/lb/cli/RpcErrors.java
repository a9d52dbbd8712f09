package dev.lb.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;

/** Turns gRPC failures into one line an operator can act on. */
final class RpcErrors {
    private RpcErrors() {
    }

    /** Whether the failure means the balancer is not there (as opposed to refusing this request). */
    static boolean unreachable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    /** The failure as a {@link CliFailure} naming the target. */
    static CliFailure failure(Target target, StatusRuntimeException e, Duration deadline) {
        if (unreachable(e)) {
            return new CliFailure(ExitCodes.UNREACHABLE, "cannot reach the balancer's admin API at " + target + ": "
                    + why(e, deadline) + " (is the balancer running? point --target or " + TargetOptions.ENV
                    + " at its adminPort)");
        }
        if (notGrpc(e)) {
            return new CliFailure(ExitCodes.UNREACHABLE, target + " does not speak gRPC (is it the balancer's proxy"
                    + " port rather than its adminPort, default 9090?)");
        }
        if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
            return new CliFailure(ExitCodes.FAILED, target + " does not serve lb.admin.v1 (is it the balancer's"
                    + " adminPort rather than its proxy port?)");
        }
        return new CliFailure(ExitCodes.FAILED, "the balancer at " + target + " refused: " + describe(e.getStatus()));
    }

    /** An HTTP/1.1 server (such as the proxy port) answered instead of a gRPC one. */
    private static boolean notGrpc(StatusRuntimeException e) {
        String description = String.valueOf(e.getStatus().getDescription());
        return e.getStatus().getCode() == Status.Code.INTERNAL
                && (description.contains("http2 exception") || description.contains("HTTP status code"));
    }

    /** A short reason: "connection refused", "no answer within 5 s", the server's description. */
    static String why(StatusRuntimeException e, Duration deadline) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && deadline != null) {
            return "no answer within " + deadline.toSeconds() + " s";
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
        }
        return describe(e.getStatus());
    }

    private static String describe(Status status) {
        String description = status.getDescription();
        return description == null || description.isBlank()
                ? status.getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                : description;
    }
}
