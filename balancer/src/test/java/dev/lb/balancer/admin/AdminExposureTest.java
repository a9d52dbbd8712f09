package dev.lb.balancer.admin;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.AdminAccessConfig;
import dev.lb.balancer.config.AdminSecurityConfig;
import dev.lb.balancer.config.AdminTlsConfig;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.testing.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a plaintext admin API may listen, and what a start says when the admin port cannot be secured. */
class AdminExposureTest {
    private static final AdminTlsConfig SOME_TLS = new AdminTlsConfig(Path.of("a.pem"), Path.of("a.key"),
            Path.of("ca.pem"), AdminTlsConfig.DEFAULT_RELOAD_INTERVAL);

    @Test
    void plaintextIsAllowedOnLoopbackOnly() throws Exception {
        assertEquals(Optional.empty(), AdminExposure.check("127.0.0.1", AdminSecurityConfig.PLAINTEXT));
        assertEquals(Optional.empty(), AdminExposure.check("localhost", AdminSecurityConfig.PLAINTEXT));
        assertEquals(Optional.empty(), AdminExposure.check("::1", AdminSecurityConfig.PLAINTEXT));

        StartupException refused = assertThrows(StartupException.class,
                () -> AdminExposure.check("0.0.0.0", AdminSecurityConfig.PLAINTEXT));

        assertEquals("refusing to serve the admin API in plaintext on non-loopback \"adminHost\" 0.0.0.0: configure"
                + " \"adminTls\" (mutual TLS), or set \"adminInsecure\": true to accept the risk", refused.getMessage());
    }

    @Test
    void tlsOrAnExplicitInsecureChoiceAllowsAnyAddressTheLatterWithAWarning() throws Exception {
        AdminSecurityConfig tls = new AdminSecurityConfig(Optional.of(SOME_TLS), AdminAccessConfig.EVERY_CERTIFICATE, false);
        AdminSecurityConfig insecure = new AdminSecurityConfig(Optional.empty(), AdminAccessConfig.EVERY_CERTIFICATE, true);

        assertEquals(Optional.empty(), AdminExposure.check("0.0.0.0", tls));
        String warning = AdminExposure.check("0.0.0.0", insecure).orElseThrow();
        assertTrue(warning.contains("plaintext and unauthenticated") && warning.contains("\"adminTls\""), warning);
    }

    @Test
    void aNonLoopbackAdminHostWithoutTlsStopsTheProcessWithOneLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminHost\": \"0.0.0.0\", \"adminPort\": 0,"
                + " \"servers\": [{\"url\": \"http://127.0.0.1:1\"}]}");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.lb.balancer.Main",
                "--config", config.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the balancer should refuse and exit");
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();

        assertEquals(1, process.exitValue(), stderr);
        List<String> lines = stderr.lines().filter(line -> line.startsWith("balancer: ")).toList();
        assertEquals(List.of("balancer: refusing to serve the admin API in plaintext on non-loopback \"adminHost\""
                + " 0.0.0.0: configure \"adminTls\" (mutual TLS), or set \"adminInsecure\": true to accept the risk"), lines);
        assertFalse(stderr.contains("listening on"), stderr);
    }

    @Test
    void anUnreadableCertificateStopsTheStartWithOneLineNamingTheSetting(@TempDir Path dir) throws Exception {
        TestCa ca = TestCa.create(dir, "admin");
        Path broken = Files.writeString(dir.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        String config = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 3600,"
                + " \"servers\": [{\"url\": \"http://127.0.0.1:1\"}], \"adminTls\": {\"certificateFile\": \"" + broken
                + "\", \"privateKeyFile\": \"" + broken + "\", \"clientCaFile\": \"" + ca.caCertificate() + "\"}}";
        String missing = config.replace(broken.toString(), dir.resolve("nope.pem").toString());

        try (Balancer balancer = new Balancer(ConfigLoader.parse(config, "test-config"))) {
            StartupException e = assertThrows(StartupException.class, balancer::start);
            assertTrue(e.getMessage().startsWith("cannot use adminTls.certificateFile " + broken), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        try (Balancer balancer = new Balancer(ConfigLoader.parse(missing, "test-config"))) {
            StartupException e = assertThrows(StartupException.class, balancer::start);
            assertEquals("adminTls.certificateFile " + dir.resolve("nope.pem")
                    + ": no such file (check the path in the config)", e.getMessage());
        }
    }

    @Test
    void theCommonNameIsTheMostSpecificCnOfTheSubject() {
        assertEquals(Optional.of("alice"), AdminAccess.commonName("CN=alice,OU=ops,O=example"));
        assertEquals(Optional.empty(), AdminAccess.commonName("O=example"));
        assertEquals(Optional.of("a, b"), AdminAccess.commonName("CN=a\\, b"));
    }

    @Test
    void theClaimedActorIsKeptOnlyAsACommentBesideTheCertificateName() {
        assertEquals("alice", Callers.attributed("alice", ""));
        assertEquals("alice", Callers.attributed("alice", "alice"));
        assertEquals("alice (client says bob@laptop)", Callers.attributed("alice", "bob@laptop"));
    }
}
