package dev.lb.balancer.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.lb.testing.TestCa;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The certificate's expiry and the access log's counts, as Prometheus scrapes them. */
class EdgeMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUpgradeRequestIsAnsweredAsAPlainRequestAndCounted() throws Exception {
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.ok("plain"));
             Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"metricsPort\": 0").startBalancer()) {
            RawResponse response;
            try (RawHttp client = new RawHttp(balancer.port())) {
                client.send("GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                response = client.read("GET");
            }
            assertEquals(200, response.status());
            assertEquals("plain", response.bodyText());
            assertTrue(backend.last().values("Upgrade").isEmpty());
            String exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + balancer.metricsPort().orElseThrow() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(exposition.contains("\nlb_upgrade_requests_total 1.0\n"), exposition);
        }
    }

    @Test
    void aBalancerWithTlsAndAnAccessLogExportsTheirMetrics(@TempDir Path dir) throws Exception {
        assumeTrue(TestCa.opensslAvailable(), "needs the openssl command");
        TestCa.Issued pair = TestCa.create(dir, "test").issue("site", "site.example",
                TestCa.KeyForm.EC_PKCS8);
        try (ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.ok("x"));
             Balancer balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"metricsPort\": 0, \"tls\": {\"certificateFile\": "
                     + JSON.valueToTree(pair.certificate().toString()) + ", \"privateKeyFile\": "
                     + JSON.valueToTree(pair.key().toString()) + "}, \"accessLog\": {\"path\": "
                     + JSON.valueToTree(dir.resolve("access.log").toString()) + "}").startBalancer()) {
            String exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + balancer.metricsPort().orElseThrow() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String name : PrometheusRulesTest.ONLY_WHEN_CONFIGURED) {
                assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(exposition).find(), name + " in\n" + exposition);
            }
            Matcher expiry = Pattern.compile("(?m)^lb_tls_certificate_expiry_seconds (\\S+)$").matcher(exposition);
            assertTrue(expiry.find());
            double seconds = Double.parseDouble(expiry.group(1));
            // issued for one day
            assertTrue(seconds > 80_000 && seconds <= 86_400, "seconds until expiry: " + seconds);
        }
    }
}
