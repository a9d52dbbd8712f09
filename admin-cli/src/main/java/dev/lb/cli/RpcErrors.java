package dev.lb.cli;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/**
 * Turns gRPC failures into one line an operator can act on. Failures are told apart by their status
 * code, the exception that caused them and the headers that came back, never by the wording of a
 * description, which changes between gRPC versions.
 */
final class RpcErrors {
    private static final Metadata.Key<String> CONTENT_TYPE =
            Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER);

    private RpcErrors() {
    }

    /** Whether the failure means no balancer answers there (as opposed to one refusing this request). */
    static boolean unreachable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return !notGrpc(e) && (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED);
    }

    /**
     * The failure as a {@link CliFailure} naming the target; a TLS failure is told in terms of the
     * certificate options given.
     */
    static CliFailure failure(TargetOptions options, StatusRuntimeException e, Duration deadline) {
        return failure(options.single(), options.tls(), e, deadline);
    }

    /** As {@link #failure(TargetOptions, StatusRuntimeException, Duration)}, for one of several targets. */
    static CliFailure failure(Target target, ClientTls tls, StatusRuntimeException e, Duration deadline) {
        return TlsErrors.failure(target, tls, e).orElseGet(() -> failure(target, e, deadline, tls.enabled()));
    }

    /** The failure as a {@link CliFailure} naming the target. */
    static CliFailure failure(Target target, StatusRuntimeException e, Duration deadline) {
        return failure(target, e, deadline, true);
    }

    private static CliFailure failure(Target target, StatusRuntimeException e, Duration deadline, boolean usedTls) {
        if (notGrpc(e)) {
            return new CliFailure(ExitCodes.UNREACHABLE, target + " does not speak gRPC (is it the balancer's proxy"
                    + " port rather than its adminPort, default 9090?)");
        }
        if (unreachable(e)) {
            String hint = has(e, UnknownHostException.class)
                    ? "(check the host name in --target or " + TargetOptions.ENV + ")"
                    : !usedTls && !has(e, ConnectException.class)
                    // Something accepted the connection, then closed it: a TLS admin port does that to plaintext.
                    ? "(if its admin API uses adminTls, give --cacert, --cert and --key; else point --target or "
                            + TargetOptions.ENV + " at its adminPort)"
                    : "(is the balancer running? point --target or " + TargetOptions.ENV + " at its adminPort)";
            return new CliFailure(ExitCodes.UNREACHABLE, "cannot reach the balancer's admin API at " + target + ": "
                    + why(e, deadline) + " " + hint);
        }
        if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
            return new CliFailure(ExitCodes.FAILED, target + " does not serve lb.admin.v1 (is it the balancer's"
                    + " adminPort rather than its proxy port?)");
        }
        return new CliFailure(ExitCodes.FAILED, "the balancer at " + target + " refused: " + describe(e.getStatus()));
    }

    /**
     * Something other than a gRPC server answered: an HTTP/1.1 server (such as the proxy port) or
     * anything else that breaks HTTP/2 from its first bytes, or an HTTP/2 server answering with a
     * content type that is not gRPC's.
     */
    static boolean notGrpc(StatusRuntimeException e) {
        if (has(e, Http2Exception.class)) {
            return true;
        }
        Metadata headers = e.getTrailers();
        String type = headers == null ? null : headers.get(CONTENT_TYPE);
        return type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/grpc");
    }

    /** A short reason: "connection refused", "no answer within 5s", the server's description. */
    static String why(StatusRuntimeException e, Duration deadline) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && deadline != null) {
            return "no answer within " + Formats.age(deadline);
        }
        if (has(e, ConnectException.class)) {
            return "connection refused";
        }
        if (has(e, UnknownHostException.class)) {
            return "unknown host";
        }
        if (has(e, NoRouteToHostException.class)) {
            return "no route to host";
        }
        return describe(e.getStatus());
    }

    static boolean has(StatusRuntimeException e, Class<? extends Throwable> kind) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (kind.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Status status) {
        String description = status.getDescription();
        return description == null || description.isBlank()
                ? status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                : description;
    }
}
