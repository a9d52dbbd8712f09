package dev.lb.balancer.tls;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PEM loader under any file content: a certificate chain and a key that belongs to it, or one
 * {@link TlsException} whose message is one line naming the file; never another exception. The first
 * byte of an input chooses how the rest reaches the loader: as the file's text, or base64-encoded in a
 * PEM block of one of the kinds the loader reads, so the fuzzer also reaches the DER decoders behind
 * the armour. Replayed over {@code PemFilesFuzzTestInputs} by every build; fuzzed by {@code bench/fuzz.sh}.
 */
class PemFilesFuzzTest {
    private static final List<String> KEY_BLOCKS = List.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY");
    private static Path dir;
    private static Path certificate;
    private static Path file;

    @BeforeAll
    static void files() throws IOException {
        dir = Files.createTempDirectory("pem-fuzz");
        certificate = dir.resolve("certificate.pem");
        try (InputStream in = PemFilesFuzzTest.class.getResourceAsStream("fuzz-certificate.pem")) {
            Files.write(certificate, in.readAllBytes());
        }
        file = dir.resolve("fuzzed.pem");
    }

    @AfterAll
    static void removeFiles() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(certificate);
        Files.deleteIfExists(dir);
    }

    @FuzzTest
    void anyCertificateFileGivesAChainOrOneOneLineTlsException(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        Files.write(file, (bytes[0] & 1) == 0 ? rest(bytes) : armoured("CERTIFICATE", rest(bytes)));
        try {
            List<X509Certificate> chain = PemFiles.certificates(file);
            assertFalse(chain.isEmpty());
        } catch (TlsException e) {
            assertOneLineNaming(e, "tls.certificateFile " + file);
        }
    }

    /** The key file with a fixed certificate: a key that loads is the certificate's own. */
    @FuzzTest
    void anyKeyFileGivesTheCertificatesKeyOrOneOneLineTlsException(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        int mode = (bytes[0] & 0xff) % (KEY_BLOCKS.size() + 1);
        Files.write(file, mode == 0 ? rest(bytes) : armoured(KEY_BLOCKS.get(mode - 1), rest(bytes)));
        try {
            CertifiedKey loaded = PemFiles.load(certificate, file, Instant.EPOCH);
            assertNotNull(loaded);
        } catch (TlsException e) {
            assertOneLineNaming(e, "tls.privateKeyFile " + file);
        }
    }

    private static void assertOneLineNaming(TlsException e, String prefix) {
        String message = e.getMessage();
        assertNotNull(message);
        assertTrue(message.startsWith(prefix), "the message names the file: " + message);
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
    }

    private static byte[] rest(byte[] bytes) {
        return Arrays.copyOfRange(bytes, 1, bytes.length);
    }

    private static byte[] armoured(String kind, byte[] der) {
        String pem = "-----BEGIN " + kind + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + kind + "-----\n";
        return pem.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
