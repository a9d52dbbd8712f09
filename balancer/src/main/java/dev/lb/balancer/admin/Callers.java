package dev.lb.balancer.admin;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * Who made a runtime change. With mutual TLS, the name on the client certificate ({@link AdminAccess}),
 * which nobody can forge; the actor the client names is kept beside it only as a comment. Without TLS,
 * the actor the client names (lbctl sends "user@host"), else the client's address: not authenticated,
 * which is why a plaintext admin API binds to loopback unless the operator accepts the risk.
 */
final class Callers implements ServerInterceptor {
    /** Longest actor accepted; longer ones are almost certainly a mistake, and they end up in logs. */
    static final int MAX_ACTOR = 128;
    private static final Context.Key<String> PEER = Context.key("lb-admin-peer");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String peer = describe(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }

    /**
     * The actor to record for the current call.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT when the requested actor is too long or has
     *                                        control characters (it would garble log lines)
     */
    static String actor(String requested) {
        String actor = requested.strip();
        if (actor.length() > MAX_ACTOR || actor.chars().anyMatch(Character::isISOControl)) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("actor must be one line of at most " + MAX_ACTOR + " characters, e.g. \"alice@ops-1\"")
                    .asRuntimeException();
        }
        Optional<String> authenticated = AdminAccess.authenticatedName();
        if (authenticated.isPresent()) {
            return attributed(authenticated.get(), actor);
        }
        if (!actor.isEmpty()) {
            return actor;
        }
        String peer = PEER.get();
        return peer == null ? "admin" : peer;
    }

    /**
     * The certificate's name, with what the client claimed as a comment when it claimed something else:
     * "alice (client says bob@laptop)".
     */
    static String attributed(String authenticated, String claimed) {
        return claimed.isEmpty() || claimed.equals(authenticated)
                ? authenticated : authenticated + " (client says " + claimed + ")";
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return address == null ? null : address.toString();
    }
}
