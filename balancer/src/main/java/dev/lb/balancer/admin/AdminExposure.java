package dev.lb.balancer.admin;

import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.AdminSecurityConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Whether the admin API may listen where the config says. Anyone who reaches a plaintext admin port
 * can drain or remove every backend, so plaintext is for loopback only, unless the operator writes
 * {@code "adminInsecure": true} and is warned at every start.
 */
final class AdminExposure {
    private AdminExposure() {
    }

    /**
     * @return a warning to log at start, when plaintext goes beyond loopback by the operator's choice
     * @throws StartupException when plaintext would go beyond loopback without that choice
     */
    static Optional<String> check(String adminHost, AdminSecurityConfig security) throws StartupException {
        if (security.tls().isPresent() || loopback(adminHost)) {
            return Optional.empty();
        }
        if (security.insecure()) {
            return Optional.of("the admin API on " + adminHost + " is plaintext and unauthenticated (\"adminInsecure\": true):"
                    + " anyone who reaches it can change the balancer; configure \"adminTls\" to require client certificates");
        }
        throw new StartupException("refusing to serve the admin API in plaintext on non-loopback \"adminHost\" "
                + adminHost + ": configure \"adminTls\" (mutual TLS), or set \"adminInsecure\": true to accept the risk");
    }

    /**
     * Whether every address the name stands for is a loopback one. An unresolvable name exposes nothing:
     * binding it fails right after, with a message about the address itself.
     */
    static boolean loopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
