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

/**
 * Who made a runtime change: the actor the client names (lbctl sends "user@host"), else the client's
 * address. The name is not authenticated; the admin port is for trusted operators only, which is why it
 * binds to 127.0.0.1 by default.
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
        if (!actor.isEmpty()) {
            return actor;
        }
        String peer = PEER.get();
        return peer == null ? "admin" : peer;
    }

    private static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return address == null ? null : address.toString();
    }
}
