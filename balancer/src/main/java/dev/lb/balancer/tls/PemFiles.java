package dev.lb.balancer.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a certificate chain and its private key from PEM files as certbot and cert-manager write them,
 * with the JDK alone: {@code CertificateFactory} for the chain, {@code KeyFactory} for the key. Keys may
 * be PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
 * ({@code BEGIN EC PRIVATE KEY}, possibly after {@code BEGIN EC PARAMETERS}); the last two are
 * wrapped in PKCS#8 by {@link Der}. Every problem is one line naming the file.
 */
public final class PemFiles {
    private static final Pattern CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----");
    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([^-]*)-----END \\1PRIVATE KEY-----");
    /** Key algorithms a PKCS#8 key may hold, tried in turn (the JDK has no "any" KeyFactory). */
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448");

    private PemFiles() {
    }

    /** Reads both files and checks that the key is the certificate's. */
    public static CertifiedKey load(Path certificateFile, Path privateKeyFile, Instant now) throws TlsException {
        List<X509Certificate> chain = certificates(certificateFile);
        PrivateKey key = privateKey(privateKeyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new TlsException("tls.privateKeyFile " + privateKeyFile + ": the key does not belong to the certificate in "
                    + certificateFile + " (" + chain.get(0).getSubjectX500Principal().getName()
                    + "); give the key the certificate was issued for");
        }
        return new CertifiedKey(chain, key, certificateFile, privateKeyFile, now);
    }

    static List<X509Certificate> certificates(Path file) throws TlsException {
        String text = read(file, "tls.certificateFile");
        List<X509Certificate> chain = new ArrayList<>();
        Matcher blocks = CERTIFICATE.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (blocks.find()) {
                byte[] der = base64(blocks.group(1), file, "tls.certificateFile");
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new TlsException("tls.certificateFile " + file + ": certificate " + (chain.size() + 1)
                    + " is not a valid X.509 certificate (" + oneLine(e) + ")");
        }
        if (chain.isEmpty()) {
            throw new TlsException("tls.certificateFile " + file + ": no PEM certificate found (expected a"
                    + " \"-----BEGIN CERTIFICATE-----\" block, e.g. certbot's fullchain.pem)");
        }
        return chain;
    }

    static PrivateKey privateKey(Path file) throws TlsException {
        String text = read(file, "tls.privateKeyFile");
        Matcher block = KEY.matcher(text);
        if (!block.find()) {
            throw new TlsException("tls.privateKeyFile " + file + ": no PEM private key found (expected"
                    + " \"-----BEGIN PRIVATE KEY-----\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\", e.g. certbot's privkey.pem)");
        }
        String kind = block.group(1).strip();
        String body = block.group(2);
        if (kind.equals("ENCRYPTED") || body.contains("ENCRYPTED")) {
            throw new TlsException("tls.privateKeyFile " + file + ": the key is encrypted; give an unencrypted key"
                    + " (openssl pkey -in KEY -out KEY.plain), readable by the balancer's user only");
        }
        byte[] der = base64(body, file, "tls.privateKeyFile");
        try {
            byte[] pkcs8 = switch (kind) {
                case "" -> der;
                case "RSA" -> Der.pkcs8FromPkcs1(der);
                case "EC" -> Der.pkcs8FromSec1(der);
                default -> throw new TlsException("tls.privateKeyFile " + file + ": \"" + kind + " PRIVATE KEY\" is not"
                        + " a supported key; give an RSA or EC key (PKCS#8, PKCS#1 or SEC1)");
            };
            return decode(pkcs8).orElseThrow(() -> new TlsException("tls.privateKeyFile " + file
                    + ": the key could not be read as an RSA, EC or EdDSA key"));
        } catch (IllegalArgumentException e) {
            throw new TlsException("tls.privateKeyFile " + file + ": " + e.getMessage());
        }
    }

    private static java.util.Optional<PrivateKey> decode(byte[] pkcs8) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
        for (String algorithm : ALGORITHMS) {
            try {
                return java.util.Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(spec));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: a signature made with one verifies
     * with the other. Works for every key type the JDK signs with, unlike comparing RSA moduli.
     */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String read(Path file, String field) throws TlsException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsException(field + " " + file + ": file not found");
        } catch (IOException e) {
            throw new TlsException(field + " " + file + ": cannot read (" + oneLine(e) + ")");
        }
    }

    private static byte[] base64(String body, Path file, String field) throws TlsException {
        try {
            return Base64.getMimeDecoder().decode(body.replaceAll("(?m)^[A-Za-z-]+:.*$", "").strip());
        } catch (IllegalArgumentException e) {
            throw new TlsException(field + " " + file + ": the PEM block is not valid base64");
        }
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
