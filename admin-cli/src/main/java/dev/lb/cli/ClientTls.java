package dev.lb.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.CertificateUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;

/**
 * How lbctl proves itself to a balancer whose admin API requires mutual TLS: {@code --cacert} (the CA
 * that signed the balancer's certificate), {@code --cert} and {@code --key} (lbctl's client certificate).
 * None of them: plaintext, as a loopback admin API speaks.
 *
 * @param caCert trust only this CA's certificates for the balancer; null for the JDK's default CAs
 * @param cert   the client certificate (PEM); null for none
 * @param key    its private key (PEM, PKCS#8 or RSA); null for none
 */
record ClientTls(Path caCert, Path cert, Path key) {
    static final String CACERT_ENV = "LBCTL_CACERT";
    static final String CERT_ENV = "LBCTL_CERT";
    static final String KEY_ENV = "LBCTL_KEY";

    /** Whether any of the three was given, so the connection speaks TLS. */
    boolean enabled() {
        return caCert != null || cert != null || key != null;
    }

    /**
     * The channel credentials, after reading every file given, so that a missing or broken one is
     * named in one line before anything connects.
     *
     * @throws CliFailure exit 2, naming the option and the file
     */
    ChannelCredentials credentials() {
        if (!enabled()) {
            return InsecureChannelCredentials.create();
        }
        if ((cert == null) != (key == null)) {
            throw new CliFailure(ExitCodes.USAGE, cert == null
                    ? "--key needs --cert, the client certificate it belongs to (or " + CERT_ENV + ")"
                    : "--cert needs --key, the client certificate's private key (or " + KEY_ENV + ")");
        }
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            if (caCert != null) {
                certificates("--cacert", caCert);
                builder.trustManager(caCert.toFile());
            }
            if (cert != null) {
                current(certificates("--cert", cert)[0]);
                privateKey(key);
                builder.keyManager(cert.toFile(), key.toFile());
            }
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, "cannot read the TLS files: " + e.getMessage());
        }
        return builder.build();
    }

    private static X509Certificate[] certificates(String option, Path file) {
        try (InputStream in = open(option, file)) {
            X509Certificate[] read = CertificateUtils.getX509Certificates(in);
            if (read.length == 0) {
                throw notPem(option, file, "no certificate in it");
            }
            return read;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof CliFailure failure) {
                throw failure;
            }
            throw notPem(option, file, "not a PEM certificate");
        }
    }

    /**
     * The balancer refuses an expired client certificate with the same TLS alert as an untrusted one,
     * so lbctl checks the dates itself first and says which it is.
     */
    private void current(X509Certificate certificate) {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CliFailure(ExitCodes.USAGE, "--cert " + cert + " expired at " + certificate.getNotAfter().toInstant()
                    + "; get a new one signed by the balancer's client CA");
        } catch (CertificateNotYetValidException e) {
            throw new CliFailure(ExitCodes.USAGE, "--cert " + cert + " is not valid before "
                    + certificate.getNotBefore().toInstant() + " (check this machine's clock)");
        }
    }

    private static void privateKey(Path file) {
        try (InputStream in = open("--key", file)) {
            if (CertificateUtils.getPrivateKey(in) == null) {
                throw notPem("--key", file, "no private key in it");
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (e instanceof CliFailure failure) {
                throw failure;
            }
            throw notPem("--key", file, "not a PEM private key (PKCS#8 \"BEGIN PRIVATE KEY\", or RSA)");
        }
    }

    private static InputStream open(String option, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new CliFailure(ExitCodes.USAGE, option + " " + file + ": no such file");
        }
        if (!Files.isReadable(file)) {
            throw new CliFailure(ExitCodes.USAGE, option + " " + file + ": not readable (check its permissions)");
        }
        return Files.newInputStream(file);
    }

    private static CliFailure notPem(String option, Path file, String problem) {
        return new CliFailure(ExitCodes.USAGE, option + " " + file + ": " + problem);
    }
}
