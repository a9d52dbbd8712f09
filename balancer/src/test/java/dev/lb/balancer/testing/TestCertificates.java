package dev.lb.balancer.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA and the certificates it signs, made with the {@code openssl} command in a test's own
 * directory: the same recipe docs/admin-api.md gives operators. EC P-256 keys, as they are quick to make.
 */
public final class TestCertificates {
    private final Path dir;
    private final String caName;

    private TestCertificates(Path dir, String caName) {
        this.dir = dir;
        this.caName = caName;
    }

    /** A new CA, {@code <name>-ca.pem} and its key, in {@code dir}. */
    public static TestCertificates newCa(Path dir, String name) throws IOException, InterruptedException {
        TestCertificates ca = new TestCertificates(dir, name + "-ca");
        ca.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", ca.caName + ".key", "-out", ca.caName + ".pem", "-days", "2", "-subj", "/CN=" + ca.caName);
        return ca;
    }

    public Path caCertificate() {
        return dir.resolve(caName + ".pem");
    }

    /** A server certificate for 127.0.0.1 and localhost, written to {@code <file>.pem} and {@code <file>.key}. */
    public Issued server(String file, String commonName) throws IOException, InterruptedException {
        return issue(file, "/CN=" + commonName, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    }

    /**
     * A client certificate that expired in 2020, so expiry is tested without waiting for it. {@code openssl
     * x509} (3.0) dates a certificate from now only; {@code openssl ca} takes explicit dates.
     */
    public Issued expiredClient(String file, String commonName) throws IOException, InterruptedException {
        Files.writeString(dir.resolve(file + ".ext"), "extendedKeyUsage=clientAuth\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".index"), "", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".serial"), Long.toHexString(System.nanoTime() | (1L << 60)) + "\n",
                StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(file + ".cnf"), "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + file
                + ".index\nserial = " + file + ".serial\nnew_certs_dir = .\ncertificate = " + caName + ".pem\nprivate_key = "
                + caName + ".key\ndefault_md = sha256\nunique_subject = no\npolicy = any\n[any]\ncommonName = supplied\n",
                StandardCharsets.US_ASCII);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", file + ".key", "-out", file + ".csr", "-subj", "/CN=" + commonName);
        openssl("ca", "-batch", "-notext", "-config", file + ".cnf", "-in", file + ".csr", "-out", file + ".pem",
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", file + ".ext");
        return new Issued(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
    }

    /** A client certificate whose subject CN is {@code commonName}. */
    public Issued client(String file, String commonName) throws IOException, InterruptedException {
        return issue(file, "/CN=" + commonName, "extendedKeyUsage=clientAuth\n");
    }

    /** A client certificate with this subject, e.g. {@code /O=example} for one without a CN. */
    public Issued clientWithSubject(String file, String subject) throws IOException, InterruptedException {
        return issue(file, subject, "extendedKeyUsage=clientAuth\n");
    }

    private Issued issue(String file, String subject, String extensions) throws IOException, InterruptedException {
        Path ext = dir.resolve(file + ".ext");
        Files.writeString(ext, extensions, StandardCharsets.US_ASCII);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", file + ".key", "-out", file + ".csr", "-subj", subject);
        openssl("x509", "-req", "-in", file + ".csr", "-CA", caName + ".pem", "-CAkey", caName + ".key",
                "-set_serial", String.valueOf(System.nanoTime()), "-days", "1", "-extfile", ext.getFileName().toString(),
                "-out", file + ".pem");
        return new Issued(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("openssl did not finish within 60 s: " + command);
        }
        if (process.exitValue() != 0) {
            throw new IOException("openssl failed: " + command + "\n" + Files.readString(log));
        }
    }

    /** A certificate and its private key, PEM files. */
    public record Issued(Path certificate, Path key) {
    }
}
