package dev.lb.balancer.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A certificate chain and the private key of its first certificate, checked to belong together.
 *
 * @param chain           the server's certificate first, then the intermediates as the file lists them
 * @param key             the first certificate's private key
 * @param certificateFile where the chain was read
 * @param privateKeyFile  where the key was read
 * @param loadedAt        when the pair was read
 */
public record CertifiedKey(List<X509Certificate> chain, PrivateKey key, Path certificateFile, Path privateKeyFile,
                           Instant loadedAt) {
    public CertifiedKey {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The subject as RFC 2253 writes it, e.g. {@code CN=shop.example}. */
    public String subject() {
        return leaf().getSubjectX500Principal().getName();
    }

    public String issuer() {
        return leaf().getIssuerX500Principal().getName();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /** Whether the certificate is outside its validity period at {@code now}. */
    public boolean expiredAt(Instant now) {
        return now.isAfter(notAfter());
    }

    /** For log lines: subject and expiry. */
    public String describe() {
        return subject() + ", expires " + notAfter();
    }
}
