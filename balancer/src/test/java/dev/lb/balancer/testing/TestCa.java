package dev.lb.balancer.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test certificate authority and the server certificates it signs, made with the {@code openssl}
 * command in a test's own directory, in the PEM forms certbot and cert-manager write: a chain file and
 * a key file as PKCS#8, PKCS#1 RSA or SEC1 EC.
 */
public final class TestCa {
    /** The key forms a server key file may take. */
    public enum KeyForm {
        RSA_PKCS8("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
        RSA_PKCS1("genrsa", "-traditional", "2048"),
        EC_SEC1("ecparam", "-name", "prime256v1", "-genkey"),
        EC_PKCS8("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");

        private final List<String> command;

        KeyForm(String... command) {
            this.command = List.of(command);
        }
    }

    /** A certificate file and its key file. */
    public record Pair(Path certificate, Path key) {
    }

    private final Path dir;
    private final Path caCertificate;
    private final Path caKey;
    private int serial;

    private TestCa(Path dir) {
        this.dir = dir;
        this.caCertificate = dir.resolve("ca.pem");
        this.caKey = dir.resolve("ca.key");
    }

    /** Whether the openssl command can be run here; tests that need it assume it. */
    public static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** A new CA in {@code dir}. */
    public static TestCa authority(Path dir) throws IOException {
        TestCa ca = new TestCa(dir);
        ca.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.caKey.toString(),
                "-out", ca.caCertificate.toString(), "-subj", "/CN=Balancer Test CA", "-days", "2");
        return ca;
    }

    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * A certificate for {@code cn} (valid for localhost and 127.0.0.1) and its key, signed by this CA,
     * in new files named after {@code name}; the chain file holds the certificate then the CA's.
     */
    public Pair issue(String name, String cn, KeyForm form) throws IOException {
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path certificate = dir.resolve(name + ".pem");
        Path extensions = dir.resolve(name + ".ext");
        List<String> keyCommand = new ArrayList<>(form.command);
        // genrsa takes its size as the last argument, after the options
        keyCommand.addAll(form == KeyForm.RSA_PKCS1 ? keyCommand.size() - 1 : keyCommand.size(), List.of("-out", key.toString()));
        openssl(keyCommand.toArray(String[]::new));
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=" + cn, "-out", csr.toString());
        Files.writeString(extensions, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        Path leaf = dir.resolve(name + ".leaf.pem");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", caCertificate.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Integer.toString(1000 + ++serial), "-days", "1", "-extfile", extensions.toString(),
                "-out", leaf.toString());
        Files.writeString(certificate, Files.readString(leaf) + Files.readString(caCertificate));
        return new Pair(certificate, key);
    }

    /** An SSL context that trusts this CA only. */
    public SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCertificate)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
