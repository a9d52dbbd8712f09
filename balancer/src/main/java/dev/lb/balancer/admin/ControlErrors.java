package dev.lb.balancer.admin;

import dev.lb.balancer.control.ControlException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps refused runtime changes onto gRPC status codes, keeping the one-line message as description. */
final class ControlErrors {
    private ControlErrors() {
    }

    static StatusRuntimeException status(ControlException e) {
        Status status = switch (e.kind()) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case CONFLICT -> Status.FAILED_PRECONDITION;
        };
        return status.withDescription(e.getMessage()).asRuntimeException();
    }
}
