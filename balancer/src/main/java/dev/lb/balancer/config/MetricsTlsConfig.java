package dev.lb.balancer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * HTTPS on the metrics listener (Prometheus and the status page), for operators who do not want them
 * readable in plaintext on the network. All PEM files, re-read when they change, as the proxy's are.
 *
 * @param certificateFile the listener's certificate chain, leaf first
 * @param privateKeyFile  its private key (PKCS#8, PKCS#1 RSA or SEC1 EC)
 * @param clientCaFile    when present, a client certificate signed by this CA is required (the scraper's)
 * @param reloadInterval  how often the certificate and key are checked for a change
 */
public record MetricsTlsConfig(Path certificateFile, Path privateKeyFile, Optional<Path> clientCaFile,
                               Duration reloadInterval) {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(60);
}
