package dev.lb.balancer.config;

import java.util.List;

/**
 * Who may do what on the admin API, by the subject CN of their client certificate. Only meaningful
 * with {@link AdminTlsConfig}: without a certificate there is no name to look up.
 *
 * @param restricted whether the lists apply; when false (no {@code adminAccess} in the file) every
 *                   certificate the client CA signed is an operator
 * @param operators  names that may read and change the balancer
 * @param viewers    names that may only read it (status, watch, health, reflection)
 */
public record AdminAccessConfig(boolean restricted, List<String> operators, List<String> viewers) {
    /** No {@code adminAccess}: every certificate the client CA signed is an operator. */
    public static final AdminAccessConfig EVERY_CERTIFICATE = new AdminAccessConfig(false, List.of(), List.of());

    public AdminAccessConfig {
        operators = List.copyOf(operators);
        viewers = List.copyOf(viewers);
    }
}
