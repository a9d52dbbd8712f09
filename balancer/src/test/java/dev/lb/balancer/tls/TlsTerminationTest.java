package dev.lb.balancer.tls;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.lb.testing.Await;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.KeyForm;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * HTTPS on the proxy port, with real TLS clients (the JDK's HttpClient and SSLSocket) trusting a CA
 * made for the test: the pair served, its rotation on disk without a restart, and refusals.
 */
class TlsTerminationTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestCa ca;
    private ScriptedBackend backend;
    private Balancer balancer;
    private Path certificate;
    private Path key;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestCa.opensslAvailable(), "needs the openssl command");
        ca = TestCa.create(dir, "test");
        backend = new ScriptedBackend(ScriptedBackend.ok("hello"));
        certificate = dir.resolve("live-fullchain.pem");
        key = dir.resolve("live-privkey.pem");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** Puts {@code pair} where the config points, each file replaced in one rename as certbot's links are. */
    private void install(TestCa.Issued pair) throws IOException {
        Path keyNext = dir.resolve("next.key");
        Path certificateNext = dir.resolve("next.pem");
        Files.copy(pair.key(), keyNext, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pair.certificate(), certificateNext, StandardCopyOption.REPLACE_EXISTING);
        Files.move(keyNext, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(certificateNext, certificate, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Balancer start(long checkIntervalMs) throws StartupException, IOException {
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"tls\": {\"certificateFile\": "
                + JSON.valueToTree(certificate.toString()) + ", \"privateKeyFile\": " + JSON.valueToTree(key.toString())
                + ", \"checkIntervalMs\": " + checkIntervalMs + "}").startBalancer();
        return balancer;
    }

    /** A GET on a new client, so on a new connection and a full handshake. */
    private HttpResponse<String> get(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(ca.clientContext()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String servedSubject() throws Exception {
        HttpResponse<String> response = get("/");
        X509Certificate served = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        return served.getSubjectX500Principal().getName();
    }

    @Test
    void anHttpsRequestIsProxiedAndTheBackendIsToldItCameOverHttps() throws Exception {
        install(ca.issue("site", "site.example", KeyForm.RSA_PKCS8));
        start(60_000);
        HttpResponse<String> response = get("/hello?x=1");
        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
        assertEquals("https", backend.last().header("X-Forwarded-Proto"));
        assertEquals("/hello?x=1", backend.last().target());
        assertTrue(response.headers().firstValue("X-Request-Id").isPresent());
    }

    @Test
    void onlyTls12And13AreSpokenAndAlpnChoosesHttp11() throws Exception {
        install(ca.issue("site", "site.example", KeyForm.RSA_PKCS8));
        start(60_000);
        SSLContext context = ca.clientContext();
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", balancer.port())) {
                SSLParameters parameters = socket.getSSLParameters();
                parameters.setProtocols(new String[]{protocol});
                parameters.setApplicationProtocols(new String[]{"h2", "http/1.1"});
                socket.setSSLParameters(parameters);
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                assertEquals(protocol, socket.getSession().getProtocol());
                assertEquals("http/1.1", socket.getApplicationProtocol());
            }
        }
        try (SSLSocket h2Only = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", balancer.port())) {
            SSLParameters parameters = h2Only.getSSLParameters();
            parameters.setApplicationProtocols(new String[]{"h2"});
            h2Only.setSSLParameters(parameters);
            h2Only.setSoTimeout(10_000);
            assertThrows(javax.net.ssl.SSLException.class, h2Only::startHandshake, "no_application_protocol");
        }
        try (SSLSocket tls11 = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", balancer.port())) {
            tls11.setEnabledProtocols(new String[]{"TLSv1.1"});
            tls11.setSoTimeout(10_000);
            assertThrows(javax.net.ssl.SSLException.class, tls11::startHandshake);
        }
    }

    @Test
    void pkcs1RsaAndSec1EcKeysAreServed() throws Exception {
        install(ca.issue("pkcs1", "pkcs1.example", KeyForm.RSA_PKCS1));
        start(60_000);
        assertEquals("CN=pkcs1.example", servedSubject());
        balancer.close();
        install(ca.issue("sec1", "sec1.example", KeyForm.EC_SEC1));
        start(60_000);
        assertEquals("CN=sec1.example", servedSubject());
    }

    @Test
    void aCertificateSwappedOnDiskIsServedToNewConnectionsWithoutARestart() throws Exception {
        install(ca.issue("old", "old.example", KeyForm.RSA_PKCS8));
        start(200);
        assertEquals("CN=old.example", servedSubject());
        install(ca.issue("new", "new.example", KeyForm.EC_PKCS8));
        Await.until("the new certificate served", DEADLINE, () -> {
            try {
                return servedSubject().equals("CN=new.example");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CertificateStore store = balancer.certificates().orElseThrow();
        assertEquals("CN=new.example", store.current().subject());
        assertTrue(store.reloadsApplied() >= 1);
    }

    @Test
    void aNewPairWhoseKeyDoesNotMatchIsRejectedAndTheOldOneKeepsServing() throws Exception {
        TestCa.Issued old = ca.issue("old", "old.example", KeyForm.RSA_PKCS8);
        install(old);
        start(200);
        TestCa.Issued other = ca.issue("other", "other.example", KeyForm.RSA_PKCS8);
        // A new certificate with a key that is not its own.
        install(new TestCa.Issued(other.certificate(), old.key()));
        CertificateStore store = balancer.certificates().orElseThrow();
        Await.until("the mismatched pair refused", DEADLINE, () -> store.reloadsRejected() >= 1);
        assertEquals("CN=old.example", servedSubject());
        assertEquals(0, store.reloadsApplied());
        // And a reload asked for explicitly (SIGHUP, lbctl reload) refuses it the same way.
        assertEquals(false, store.reload("test reload"));
        assertEquals("CN=old.example", servedSubject());
    }

    @Test
    void anExplicitReloadServesTheNewPair() throws Exception {
        install(ca.issue("old", "old.example", KeyForm.RSA_PKCS8));
        start(3_600_000);
        install(ca.issue("new", "new.example", KeyForm.EC_SEC1));
        assertTrue(balancer.certificates().orElseThrow().reload("test reload"));
        assertEquals("CN=new.example", servedSubject());
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheStartInOneLine() throws Exception {
        TestCa.Issued site = ca.issue("site", "site.example", KeyForm.RSA_PKCS8);
        TestCa.Issued other = ca.issue("other", "other.example", KeyForm.EC_PKCS8);
        install(new TestCa.Issued(site.certificate(), other.key()));
        StartupException e = assertThrows(StartupException.class, () -> start(60_000));
        balancer = null;
        assertTrue(e.getMessage().startsWith("tls.privateKeyFile " + key + ": the key does not belong to the certificate in "
                + certificate), e.getMessage());
    }

    @Test
    void aMissingCertificateFileStopsTheStartInOneLine() {
        StartupException e = assertThrows(StartupException.class, () -> start(60_000));
        balancer = null;
        assertEquals("tls.certificateFile " + certificate + ": file not found", e.getMessage());
    }
}
