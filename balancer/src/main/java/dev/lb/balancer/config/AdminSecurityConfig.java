package dev.lb.balancer.config;

import java.util.Optional;

/**
 * How the admin API is protected: mutual TLS and roles, or nothing but its address.
 *
 * @param tls      mutual TLS on the admin port; empty for plaintext
 * @param access   roles by client certificate name
 * @param insecure the operator accepts a plaintext admin API on a non-loopback address
 *                 ({@code "adminInsecure": true}); warned about at every start
 */
public record AdminSecurityConfig(Optional<AdminTlsConfig> tls, AdminAccessConfig access, boolean insecure) {
    /** Plaintext, which is only allowed on a loopback address. */
    public static final AdminSecurityConfig PLAINTEXT =
            new AdminSecurityConfig(Optional.empty(), AdminAccessConfig.EVERY_CERTIFICATE, false);
}
