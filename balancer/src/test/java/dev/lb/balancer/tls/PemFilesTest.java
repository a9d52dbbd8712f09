package dev.lb.balancer.tls;

import dev.lb.balancer.config.TlsConfig;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.KeyForm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Certificate chains and keys as certbot and cert-manager write them, and every way they can be wrong. */
class PemFilesTest {
    @TempDir
    static Path dir;
    private static TestCa ca;
    private static TestCa.Issued rsa;

    @BeforeAll
    static void authority() throws Exception {
        assumeTrue(TestCa.opensslAvailable(), "needs the openssl command");
        ca = TestCa.create(dir, "test");
        rsa = ca.issue("rsa", "shop.example", KeyForm.RSA_PKCS8);
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void everyKeyFormCertbotAndCertManagerWriteIsRead(KeyForm form) throws Exception {
        TestCa.Issued pair = ca.issue("form-" + form, "form.example", form);
        CertifiedKey loaded = PemFiles.load(pair.certificate(), pair.key(), Instant.now());
        assertEquals("CN=form.example", loaded.subject());
        assertEquals(2, loaded.chain().size(), "the certificate, then the CA's");
        assertEquals(form.name().startsWith("RSA") ? "RSA" : "EC", loaded.key().getAlgorithm());
    }

    @Test
    void theFormsAreWhatTheirNamesSay() throws Exception {
        assertTrue(Files.readString(ca.issue("p1", "p1", KeyForm.RSA_PKCS1).key()).contains("BEGIN RSA PRIVATE KEY"));
        String sec1 = Files.readString(ca.issue("s1", "s1", KeyForm.EC_SEC1).key());
        assertTrue(sec1.contains("BEGIN EC PARAMETERS") && sec1.contains("BEGIN EC PRIVATE KEY"), sec1);
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() throws Exception {
        TestCa.Issued other = ca.issue("other", "other.example", KeyForm.RSA_PKCS8);
        TlsException e = assertThrows(TlsException.class, () -> PemFiles.load(rsa.certificate(), other.key(), Instant.now()));
        assertEquals("tls.privateKeyFile " + other.key() + ": the key does not belong to the certificate in "
                + rsa.certificate() + " (CN=shop.example); give the key the certificate was issued for", e.getMessage());
        TestCa.Issued ec = ca.issue("ec-other", "ec.example", KeyForm.EC_PKCS8);
        assertThrows(TlsException.class, () -> PemFiles.load(rsa.certificate(), ec.key(), Instant.now()));
    }

    @Test
    void missingFilesAndBadPemAreOneLineNamingTheFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertEquals("tls.certificateFile " + missing + ": file not found",
                assertThrows(TlsException.class, () -> PemFiles.load(missing, rsa.key(), Instant.now())).getMessage());
        Path notPem = dir.resolve("not.pem");
        Files.writeString(notPem, "hello\n");
        String noCertificate = assertThrows(TlsException.class, () -> PemFiles.load(notPem, rsa.key(), Instant.now())).getMessage();
        assertTrue(noCertificate.startsWith("tls.certificateFile " + notPem + ": no PEM certificate found"), noCertificate);
        String noKey = assertThrows(TlsException.class, () -> PemFiles.load(rsa.certificate(), notPem, Instant.now())).getMessage();
        assertTrue(noKey.startsWith("tls.privateKeyFile " + notPem + ": no PEM private key found"), noKey);
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        String bad = assertThrows(TlsException.class, () -> PemFiles.load(broken, rsa.key(), Instant.now())).getMessage();
        assertTrue(bad.startsWith("tls.certificateFile " + broken + ": certificate 1 is not a valid X.509 certificate"), bad);
        Path encrypted = dir.resolve("encrypted.key");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        String enc = assertThrows(TlsException.class, () -> PemFiles.load(rsa.certificate(), encrypted, Instant.now())).getMessage();
        assertTrue(enc.startsWith("tls.privateKeyFile " + encrypted + ": the key is encrypted"), enc);
        for (String message : new String[]{noCertificate, noKey, bad, enc}) {
            assertFalse(message.contains("\n"), message);
        }
    }

    @Test
    void anExpiredCertificateIsServedWithAWarningNotRefused() throws Exception {
        Clock inTwoYears = Clock.fixed(Instant.now().plus(Duration.ofDays(730)), ZoneOffset.UTC);
        CertificateStore store = CertificateStore.load(new TlsConfig(true, rsa.certificate(), rsa.key(), Duration.ofHours(1)),
                inTwoYears);
        try {
            assertTrue(store.current().expiredAt(inTwoYears.instant()));
            assertTrue(store.untilExpiry().isNegative());
        } finally {
            store.close();
        }
    }
}
