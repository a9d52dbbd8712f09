package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import io.grpc.MethodDescriptor;

import java.util.Locale;
import java.util.Map;

/**
 * What a client certificate may do on the admin API. A viewer reads; an operator reads and changes.
 * {@link #needed} is the one table of which call needs which role; docs/admin-api.md repeats it.
 */
public enum AdminRole {
    VIEWER,
    OPERATOR;

    /** Whole services that only read: health checking and server reflection (both versions). */
    private static final Map<String, AdminRole> SERVICES = Map.of(
            "grpc.health.v1.Health", VIEWER,
            "grpc.reflection.v1.ServerReflection", VIEWER,
            "grpc.reflection.v1alpha.ServerReflection", VIEWER);

    /** Every lb.admin.v1 RPC by its full name; a test checks that none is missing. */
    private static final Map<String, AdminRole> METHODS = Map.ofEntries(
            entry(AdminServiceGrpc.getGetStatusMethod(), VIEWER),
            entry(AdminServiceGrpc.getWatchMethod(), VIEWER),
            entry(AdminServiceGrpc.getDrainMethod(), OPERATOR),
            entry(AdminServiceGrpc.getDisableMethod(), OPERATOR),
            entry(AdminServiceGrpc.getEnableMethod(), OPERATOR),
            entry(AdminServiceGrpc.getSetWeightMethod(), OPERATOR),
            entry(AdminServiceGrpc.getAddBackendMethod(), OPERATOR),
            entry(AdminServiceGrpc.getRemoveBackendMethod(), OPERATOR),
            entry(AdminServiceGrpc.getReloadMethod(), OPERATOR));

    /**
     * The role a call needs. A method this table does not name needs an operator: a new RPC is closed
     * to viewers until someone decides otherwise here.
     */
    public static AdminRole needed(String fullMethodName) {
        AdminRole method = METHODS.get(fullMethodName);
        if (method != null) {
            return method;
        }
        String service = MethodDescriptor.extractFullServiceName(fullMethodName);
        return service == null ? OPERATOR : SERVICES.getOrDefault(service, OPERATOR);
    }

    /** Whether this role may make a call that needs {@code needed}. */
    public boolean allows(AdminRole needed) {
        return compareTo(needed) >= 0;
    }

    /** "viewer", "operator", as the config and messages spell it. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static Map.Entry<String, AdminRole> entry(MethodDescriptor<?, ?> method, AdminRole role) {
        return Map.entry(method.getFullMethodName(), role);
    }
}
