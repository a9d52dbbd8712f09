package dev.lb.balancer.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Mutual TLS on the admin port: the balancer's own certificate and key, and the CA whose signature a
 * client certificate must carry. All PEM files, re-read when they change.
 *
 * @param certificateFile the admin port's certificate chain, leaf first
 * @param privateKeyFile  its private key (PKCS#8, or PKCS#1 RSA)
 * @param clientCaFile    the CA certificates that sign operators' and viewers' client certificates
 * @param reloadInterval  how often the three files are checked for a change (rotation)
 */
public record AdminTlsConfig(Path certificateFile, Path privateKeyFile, Path clientCaFile, Duration reloadInterval) {
    /** Often enough that a rotated certificate is served within a minute, rarely enough to cost nothing. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(60);
}
