package dev.lb.testing;

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
 * A throw-away certificate authority and the certificates it signs, made with the {@code openssl}
 * command in a test's own directory: the recipe docs/admin-api.md gives operators, and the PEM forms
 * certbot and cert-manager write (a key file as PKCS#8, PKCS#1 RSA or SEC1 EC). The CA's key is EC
 * P-256, quick to make. The one test CA of every module. Not thread-safe: a test's thread makes its
 * certificates before it starts what uses them.
 */
public final class TestCa {
    /** The key forms a key file may take. */
    public enum KeyForm {
        RSA_PKCS8("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"),
        RSA_PKCS1("genrsa", "-traditional", "2048"),
        EC_SEC1("ecparam", "-name", "prime256v1", "-genkey"),
        EC_PKCS8("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");

        private final List<String> command;

        KeyForm(String... command) {
            this.command = List.of(command);
        }

        /** The openssl command that writes a key of this form to {@code out}. */
        private List<String> command(Path out) {
            List<String> withOut = new ArrayList<>(command);
            // genrsa takes its size as the last argument, after the options
            withOut.addAll(this == RSA_PKCS1 ? withOut.size() - 1 : withOut.size(), List.of("-out", out.toString()));
            return withOut;
        }
    }

    /** A certificate file and its key file, PEM. */
    public record Issued(Path certificate, Path key) {
    }

    private static final String SERVER_NAMES = "subjectAltName=DNS:localhost,IP:127.0.0.1\n";

    private final Path dir;
    private final Path caCertificate;
    private final Path caKey;
    private int serial;

    private TestCa(Path dir, String caName) {
        this.dir = dir.toAbsolutePath();
        this.caCertificate = this.dir.resolve(caName + ".pem");
        this.caKey = this.dir.resolve(caName + ".key");
    }

    /** Whether the openssl command can be run here; tests that need it assume it. */
    public static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A new CA in {@code dir}: {@code <name>-ca.pem} and its key, subject {@code CN=<name>-ca}. */
    public static TestCa create(Path dir, String name) throws IOException {
        String caName = name + "-ca";
        TestCa ca = new TestCa(dir, caName);
        ca.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", ca.caKey.toString(), "-out", ca.caCertificate.toString(), "-days", "2", "-subj", "/CN=" + caName);
        return ca;
    }

    public Path caCertificate() {
        return caCertificate;
    }

    /**
     * A web server's certificate for {@code cn} (valid for localhost and 127.0.0.1) and its key in
     * {@code form}, in new files named after {@code name}; the certificate file is the chain, the
     * certificate then the CA's.
     */
    public Issued issue(String name, String cn, KeyForm form) throws IOException {
        Issued leaf = sign(name, "/CN=" + cn, form, SERVER_NAMES);
        Files.writeString(leaf.certificate(), Files.readString(leaf.certificate()) + Files.readString(caCertificate));
        return leaf;
    }

    /** A server certificate for 127.0.0.1 and localhost, {@code <file>.pem} and {@code <file>.key}, EC key. */
    public Issued server(String file, String commonName) throws IOException {
        return sign(file, "/CN=" + commonName, KeyForm.EC_PKCS8, SERVER_NAMES + "extendedKeyUsage=serverAuth\n");
    }

    /** A server certificate for the names and addresses in {@code subjectAltName} ("DNS:a.example,IP:10.0.0.5"). */
    public Issued server(String file, String commonName, String subjectAltName) throws IOException {
        return sign(file, "/CN=" + commonName, KeyForm.EC_PKCS8,
                "subjectAltName=" + subjectAltName + "\nextendedKeyUsage=serverAuth\n");
    }

    /**
     * A client certificate that expired in 2020, so expiry is tested without waiting for it. {@code openssl
     * x509} (3.0) dates a certificate from now only; {@code openssl ca} takes explicit dates.
     */
    public Issued expiredClient(String file, String commonName) throws IOException {
        Files.writeString(dir.resolve(file + ".ext"), "extendedKeyUsage=clientAuth\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".index"), "", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".serial"), Long.toHexString(System.nanoTime() | (1L << 60)) + "\n",
                StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".cnf"), "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + file
                + ".index\nserial = " + file + ".serial\nnew_certs_dir = .\ncertificate = " + caCertificate
                + "\nprivate_key = " + caKey + "\ndefault_md = sha256\nunique_subject = no\npolicy = any\n"
                + "[any]\ncommonName = supplied\n", StandardCharsets.US_ASCII);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + commonName);
        openssl("ca", "-batch", "-notext", "-config", file + ".cnf", "-in", file + ".csr", "-out", file + ".pem",
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", file + ".ext");
        return new Issued(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
    }

    /** A client certificate whose subject CN is {@code commonName}. */
    public Issued client(String file, String commonName) throws IOException {
        return clientWithSubject(file, "/CN=" + commonName);
    }

    /** A client certificate with this subject, e.g. {@code /O=example} for one without a CN. */
    public Issued clientWithSubject(String file, String subject) throws IOException {
        return sign(file, subject, KeyForm.EC_PKCS8, "extendedKeyUsage=clientAuth\n");
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

    /** A key of {@code form} and a certificate for {@code subject} with these X.509 extensions, signed by this CA. */
    private Issued sign(String file, String subject, KeyForm form, String extensions) throws IOException {
        Path key = dir.resolve(file + ".key");
        Path request = dir.resolve(file + ".csr");
        Path extensionFile = dir.resolve(file + ".ext");
        Path certificate = dir.resolve(file + ".pem");
        openssl(form.command(key).toArray(String[]::new));
        openssl("req", "-new", "-key", key.toString(), "-subj", subject, "-out", request.toString());
        Files.writeString(extensionFile, extensions, StandardCharsets.US_ASCII);
        openssl("x509", "-req", "-in", request.toString(), "-CA", caCertificate.toString(), "-CAkey", caKey.toString(),
                "-set_serial", Integer.toString(1000 + ++serial), "-days", "1", "-extfile", extensionFile.toString(),
                "-out", certificate.toString());
        return new Issued(certificate, key);
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
            throw new IOException("interrupted running " + String.join(" ", command), e);
        }
    }
}
