package dev.lb.balancer.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * TLS termination on the proxy port.
 *
 * @param enabled         whether the proxy port serves HTTPS
 * @param certificateFile PEM file with the certificate, then its chain (certbot's fullchain.pem)
 * @param privateKeyFile  PEM file with the certificate's key: PKCS#8, PKCS#1 RSA or SEC1 EC
 * @param checkInterval   how often the two files are checked for a new pair
 */
public record TlsConfig(boolean enabled, Path certificateFile, Path privateKeyFile, Duration checkInterval) {
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(5);
    /** Plain HTTP. */
    public static final TlsConfig OFF = new TlsConfig(false, null, null, DEFAULT_CHECK_INTERVAL);
}
