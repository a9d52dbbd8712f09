package dev.lb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.admin.v1.AccessLogStatus;
import dev.lb.admin.v1.TlsCertificateStatus;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The certificate and the access log as {@code lbctl status} shows them. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LbctlEdgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private BackendServer backend;
    private Balancer balancer;

    @AfterEach
    void tearDown() {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void statusShowsTheCertificatesSubjectAndExpiryAndTheAccessLogsCounts() throws Exception {
        assumeTrue(openssl("version"), "needs the openssl command");
        Path certificate = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        assertTrue(openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=lbctl.example", "-keyout", key.toString(), "-out", certificate.toString(), "-days", "3"));
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [{\"url\": \"http://127.0.0.1:"
                + backend.port() + "\"}], \"healthCheckInterval\": 3600, \"tls\": {\"certificateFile\": "
                + JSON.valueToTree(certificate.toString()) + ", \"privateKeyFile\": " + JSON.valueToTree(key.toString())
                + "}, \"accessLog\": {\"path\": " + JSON.valueToTree(dir.resolve("access.log").toString()) + "}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        String target = "127.0.0.1:" + balancer.adminPort();

        Run table = run("status", "--target", target);
        Run asJson = run("status", "--json", "--target", target);

        assertEquals(0, table.exit, table.err);
        assertTrue(table.out.lines().anyMatch(l -> l.matches("tls: CN=lbctl\\.example, expires \\S+ \\(in 2d 23h.*\\); 0 reloads, 0 refused")),
                table.out);
        assertTrue(table.out.lines().anyMatch(l -> l.startsWith("access log: " + dir.resolve("access.log") + ", 0 lines, 0 dropped")),
                table.out);
        assertTrue(asJson.out.contains("\"tlsCertificate\"") && asJson.out.contains("lbctl.example\""), asJson.out);
    }

    @Test
    void anExpiredCertificateSaysSoPlainly() {
        Instant now = Instant.parse("2026-03-01T00:00:00Z");
        String line = StatusTable.certificate(TlsCertificateStatus.newBuilder().setSubject("CN=old.example")
                .setNotAfter(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.minusSeconds(7200).getEpochSecond()))
                .setReloadsRejected(1).build(), now);
        assertEquals("tls: CN=old.example, expires 2026-02-28T22:00:00Z (EXPIRED 2h 0m ago); 0 reloads, 1 refused", line);
        assertEquals("access log: -, 5 lines, 1 dropped, 0 failed", StatusTable.accessLog(AccessLogStatus.newBuilder()
                .setPath("-").setLinesWritten(5).setLinesDropped(1).build()));
    }

    private boolean openssl(String... args) {
        try {
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("openssl"));
            command.addAll(java.util.List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }
}
