package dev.lb.balancer.metrics;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.config.MetricsConfig;
import dev.lb.balancer.config.MetricsTlsConfig;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.Issued;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code metricsTls}: Prometheus and the status page over HTTPS, a scraper's certificate optional. */
class MetricsTlsTest {
    private static final String SERVERS = "\"servers\": [{\"url\": \"http://localhost:8001\"}]";

    @TempDir
    static Path dir;
    private static TestCa ca;
    private static Issued server;
    private static Issued scraper;
    private static BackendServer backend;
    private static Balancer balancer;

    @BeforeAll
    static void startWithMetricsOverMutualTls() throws Exception {
        ca = TestCa.create(dir, "metrics");
        server = ca.server("metrics-server", "lb-1");
        scraper = ca.client("prometheus", "prometheus");
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        balancer = new Balancer(ConfigLoader.parse("{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0,"
                + " \"healthCheckInterval\": 3600, \"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}],"
                + " \"metricsPort\": 0, \"metricsTls\": {\"certificateFile\": \"" + server.certificate() + "\","
                + " \"privateKeyFile\": \"" + server.key() + "\", \"clientCaFile\": \"" + ca.caCertificate() + "\"}}",
                "test-config")).start();
    }

    @AfterAll
    static void stop() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aScraperWithACertificateTheCaSignedGetsMetricsOverHttps() throws Exception {
        HttpResponse<String> metrics = get(client(true), "/metrics");
        HttpResponse<String> page = get(client(true), "/");

        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("lb_"), metrics.body());
        assertEquals(200, page.statusCode());
    }

    @Test
    void withoutAClientCertificateTheHandshakeFails() throws Exception {
        HttpClient anonymous = client(false);

        assertThrows(IOException.class, () -> get(anonymous, "/metrics"));
    }

    @Test
    void metricsTlsIsParsedWithTheClientCaOptional() throws Exception {
        MetricsConfig withCa = ConfigLoader.parse("{\"port\": 8080, \"metricsPort\": 9100, \"metricsTls\": {\"certificateFile\":"
                + " \"m.pem\", \"privateKeyFile\": \"m.key\", \"clientCaFile\": \"ca.pem\"}, " + SERVERS + "}", "c.json").metrics();
        MetricsConfig without = ConfigLoader.parse("{\"port\": 8080, \"metricsPort\": 9100, \"metricsTls\": {\"certificateFile\":"
                + " \"m.pem\", \"privateKeyFile\": \"m.key\"}, " + SERVERS + "}", "c.json").metrics();
        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigLoader.parse("{\"port\": 8080,"
                + " \"metricsPort\": 9100, \"metricsTls\": {\"privateKeyFile\": \"m.key\"}, " + SERVERS + "}", "c.json"));

        assertEquals(Optional.of(new MetricsTlsConfig(Path.of("m.pem"), Path.of("m.key"), Optional.of(Path.of("ca.pem")),
                MetricsTlsConfig.DEFAULT_RELOAD_INTERVAL)), withCa.tls());
        assertEquals(Optional.empty(), without.tls().orElseThrow().clientCaFile());
        assertEquals("c.json: metricsTls.certificateFile missing; give the path of the metrics listener's PEM certificate chain",
                missing.getMessage());
    }

    @Test
    void plaintextMetricsBeyondLoopbackAreWarnedAboutOnce() {
        MetricsTlsConfig tls = new MetricsTlsConfig(Path.of("m.pem"), Path.of("m.key"), Optional.empty(), Duration.ofSeconds(60));

        assertTrue(MetricsExposure.warning(new MetricsConfig(true, "0.0.0.0", 9100)).orElseThrow()
                .startsWith("metrics and the status page on 0.0.0.0 are plaintext beyond loopback"));
        assertEquals(Optional.empty(), MetricsExposure.warning(new MetricsConfig(true, "127.0.0.1", 9100)));
        assertEquals(Optional.empty(), MetricsExposure.warning(new MetricsConfig(true, "0.0.0.0", 9100, Optional.of(tls))));
    }

    private static HttpResponse<String> get(HttpClient client, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + balancer.metricsPort().orElseThrow() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A JDK client trusting the test CA, presenting the scraper's certificate when {@code withCertificate}. */
    private static HttpClient client(boolean withCertificate) throws Exception {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca.caCertificate())) {
            trust.setCertificateEntry("ca", x509.generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
        identity.load(null, null);
        if (withCertificate) {
            Certificate certificate;
            try (InputStream in = Files.newInputStream(scraper.certificate())) {
                certificate = x509.generateCertificate(in);
            }
            identity.setKeyEntry("scraper", pkcs8(scraper.key()), new char[0], new Certificate[]{certificate});
        }
        keyManagers.init(identity, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    private static PrivateKey pkcs8(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
