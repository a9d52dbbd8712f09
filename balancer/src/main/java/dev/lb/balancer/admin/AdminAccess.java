package dev.lb.balancer.admin;

import dev.lb.balancer.config.AdminAccessConfig;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Who is calling, and may they: reads the subject CN of the client certificate that mutual TLS
 * verified, looks its role up in {@code adminAccess}, and refuses calls the role does not allow
 * ({@link AdminRole#needed}). The name goes into the call's context, where {@link Callers} records it as
 * the actor of any change. Installed on every service of the admin server, health and reflection too.
 */
final class AdminAccess implements ServerInterceptor {
    private static final System.Logger LOG = System.getLogger(AdminAccess.class.getName());
    private static final Context.Key<String> AUTHENTICATED = Context.key("lb-admin-authenticated-name");

    private final AdminAccessConfig access;

    AdminAccess(AdminAccessConfig access) {
        this.access = access;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<String> name = clientName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (name.isEmpty()) {
            return refuse(call, Status.UNAUTHENTICATED, "?", "the admin API requires a client certificate with a"
                    + " subject CN signed by the balancer's adminTls.clientCaFile");
        }
        Optional<AdminRole> role = role(name.get());
        if (role.isEmpty()) {
            return refuse(call, Status.PERMISSION_DENIED, name.get(), "certificate name \"" + name.get()
                    + "\" is in neither adminAccess.operators nor adminAccess.viewers");
        }
        AdminRole needed = AdminRole.needed(method);
        if (!role.get().allows(needed)) {
            return refuse(call, Status.PERMISSION_DENIED, name.get(), "role " + role.get().configName() + " may not call "
                    + shortName(call.getMethodDescriptor()) + "; it needs " + needed.configName()
                    + " (adminAccess.operators)");
        }
        return Contexts.interceptCall(Context.current().withValue(AUTHENTICATED, name.get()), call, headers, next);
    }

    /**
     * The role of a verified certificate name: without {@code adminAccess} the CA's signature is enough
     * for an operator; with it, the name must be listed. Empty for a name in neither list.
     */
    Optional<AdminRole> role(String name) {
        if (!access.restricted() || access.operators().contains(name)) {
            return Optional.of(AdminRole.OPERATOR);
        }
        return access.viewers().contains(name) ? Optional.of(AdminRole.VIEWER) : Optional.empty();
    }

    /** The name mutual TLS verified for the current call; empty on a plaintext admin API. */
    static Optional<String> authenticatedName() {
        return Optional.ofNullable(AUTHENTICATED.get());
    }

    /**
     * The subject CN of the verified client certificate. The TLS handshake already refused a missing
     * or untrusted certificate; a certificate without a CN has no name to look up.
     */
    static Optional<String> clientName(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return commonName(leaf.getSubjectX500Principal().getName());
    }

    /** The last CN of an RFC 2253 name, the most specific one. */
    static Optional<String> commonName(String rfc2253) {
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(rfc2253).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                }
            }
            return Optional.ofNullable(cn).filter(name -> !name.isBlank());
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status, String who, String reason) {
        LOG.log(System.Logger.Level.WARNING, "admin API refused {0} by {1} from {2}: {3}",
                call.getMethodDescriptor().getFullMethodName(), who,
                Callers.describe(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), reason);
        call.close(status.withDescription(reason), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private static String shortName(MethodDescriptor<?, ?> method) {
        String bare = method.getBareMethodName();
        return bare == null ? method.getFullMethodName() : bare;
    }
}
