package dev.lb.cli;

import dev.lb.balancer.config.ConfigLoader;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.Issued;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.lb.cli.Run.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lbctl against a balancer whose admin API requires mutual TLS: its certificate flags and its errors. */
class LbctlTlsTest {
    @TempDir
    static Path dir;
    private static TestCa ca;
    private static Issued operator;
    private static Issued viewer;
    private static Issued foreign;
    private static BackendServer backend;
    private static Balancer balancer;
    private static String target;
    private static String backendUrl;

    @BeforeAll
    static void startBalancerWithMutualTls() throws Exception {
        ca = TestCa.create(dir, "admin");
        Issued server = ca.server("balancer", "balancer");
        operator = ca.client("alice", "alice");
        viewer = ca.client("victor", "victor");
        foreign = TestCa.create(dir, "rogue").client("rogue-alice", "alice");
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        backendUrl = "http://127.0.0.1:" + backend.port();
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 3600,"
                + " \"servers\": [{\"url\": \"" + backendUrl + "\"}],"
                + " \"adminTls\": {\"certificateFile\": \"" + server.certificate() + "\", \"privateKeyFile\": \""
                + server.key() + "\", \"clientCaFile\": \"" + ca.caCertificate() + "\"},"
                + " \"adminAccess\": {\"operators\": [\"alice\"], \"viewers\": [\"victor\"]}}";
        balancer = TestBalancer.builder().config(json).startBalancer();
        target = "127.0.0.1:" + balancer.adminPort();
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
    void anOperatorsCertificateGivenBeforeOrAfterTheCommandMayDrainAndEnable() {
        Run status = run("--target", target, "--cacert", ca.caCertificate().toString(), "--cert",
                operator.certificate().toString(), "--key", operator.key().toString(), "status");
        assertEquals(0, status.exit, status.err);
        assertTrue(status.out.startsWith("BACKEND"), status.out);

        Run drain = run("drain", backendUrl, "--target", target, "--cacert", ca.caCertificate().toString(), "--cert",
                operator.certificate().toString(), "--key", operator.key().toString());
        assertEquals(0, drain.exit, drain.err);
        assertEquals(AdminState.DRAINING, balancer.pool().find(backendUrl).orElseThrow().adminState());

        Run enable = run(withTls(operator, "enable", backendUrl));
        assertEquals(0, enable.exit, enable.err);
        assertEquals(AdminState.READY, balancer.pool().find(backendUrl).orElseThrow().adminState());
    }

    @Test
    void aViewerMayReadButIsToldItMayNotDrain() {
        Run status = run(withTls(viewer, "status"));
        Run drain = run(withTls(viewer, "drain", backendUrl));

        assertEquals(0, status.exit, status.err);
        assertEquals(ExitCodes.FAILED, drain.exit, drain.err);
        assertEquals("lbctl: the balancer at " + target + " refused: role viewer may not call Drain; it needs"
                + " operator (adminAccess.operators)", drain.err.strip());
        assertEquals(AdminState.READY, balancer.pool().find(backendUrl).orElseThrow().adminState());
    }

    @Test
    void withoutAClientCertificateTheErrorNamesTheFlags() {
        Run run = run("status", "--target", target, "--cacert", ca.caCertificate().toString());

        assertEquals(ExitCodes.FAILED, run.exit, run.err);
        assertEquals("lbctl: the balancer at " + target + " requires a client certificate (--cert/--key, or "
                + "LBCTL_CERT/LBCTL_KEY)", run.err.strip());
    }

    @Test
    void aCertificateFromAnotherCaIsNotTrustedByTheBalancer() {
        Run run = run(withTls(foreign, "status"));

        assertEquals(ExitCodes.FAILED, run.exit, run.err);
        assertEquals("lbctl: the balancer at " + target + " does not trust the client certificate "
                + foreign.certificate() + " (it must be signed by the balancer's adminTls.clientCaFile)", run.err.strip());
    }

    @Test
    void aBalancerCertificateNotSignedByCacertIsNamed() throws Exception {
        Path otherCa = TestCa.create(dir, "other").caCertificate();
        Run run = run("status", "--target", target, "--cacert", otherCa.toString(), "--cert",
                operator.certificate().toString(), "--key", operator.key().toString());

        assertEquals(ExitCodes.FAILED, run.exit, run.err);
        assertEquals("lbctl: the balancer's certificate at " + target + " is not signed by the CA in --cacert "
                + otherCa, run.err.strip());
    }

    @Test
    void theBalancerIsReachedByAnyNameItsCertificateLists() {
        Run run = run("status", "--target", "localhost:" + balancer.adminPort(), "--cacert", ca.caCertificate().toString(),
                "--cert", operator.certificate().toString(), "--key", operator.key().toString());

        assertEquals(0, run.exit, run.err);
    }

    @Test
    void anExpiredClientCertificateIsNamedBeforeConnecting() throws Exception {
        Issued expired = ca.expiredClient("expired-alice", "alice");

        Run run = run(withTls(expired, "status"));

        assertEquals(ExitCodes.USAGE, run.exit, run.err);
        assertEquals("lbctl: --cert " + expired.certificate() + " expired at 2020-01-02T00:00:00Z; get a new one signed"
                + " by the balancer's client CA", run.err.strip());
    }

    @Test
    void aBalancerCertificateForAnotherNameIsToldAsSuch() throws Exception {
        Issued elsewhere = ca.server("elsewhere", "lb-9", "DNS:lb-9.example.com");
        try (BackendServer other = BackendServer.start("127.0.0.1", 0, "b3");
             Balancer misnamed = new Balancer(ConfigLoader.parse("{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0,"
                     + " \"healthCheckInterval\": 3600, \"servers\": [{\"url\": \"http://127.0.0.1:" + other.port() + "\"}],"
                     + " \"adminTls\": {\"certificateFile\": \"" + elsewhere.certificate() + "\", \"privateKeyFile\": \""
                     + elsewhere.key() + "\", \"clientCaFile\": \"" + ca.caCertificate() + "\"}}", "test-config")).start()) {

            Run run = run("status", "--target", "127.0.0.1:" + misnamed.adminPort(), "--cacert", ca.caCertificate().toString(),
                    "--cert", operator.certificate().toString(), "--key", operator.key().toString());

            assertEquals(ExitCodes.FAILED, run.exit, run.err);
            assertEquals("lbctl: the balancer's certificate does not match 127.0.0.1 (connect by a name or address the"
                    + " certificate lists)", run.err.strip());
        }
    }

    @Test
    void tlsToAPlaintextAdminPortIsNamed() throws Exception {
        try (BackendServer other = BackendServer.start("127.0.0.1", 0, "b2");
             Balancer plaintext = TestBalancer.builder().config("{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0,"
                     + " \"healthCheckInterval\": 3600, \"servers\": [{\"url\": \"http://127.0.0.1:" + other.port() + "\"}]}").startBalancer()) {
            String at = "127.0.0.1:" + plaintext.adminPort();

            Run run = run("status", "--target", at, "--cacert", ca.caCertificate().toString(), "--cert",
                    operator.certificate().toString(), "--key", operator.key().toString());

            assertEquals(ExitCodes.FAILED, run.exit, run.err);
            assertEquals("lbctl: the admin API at " + at + " does not speak TLS (leave out --cacert, --cert and --key,"
                    + " or configure adminTls on the balancer)", run.err.strip());
        }
    }

    @Test
    void plaintextAgainstTheTlsPortSaysToGiveTheCertificates() {
        Run run = run("status", "--target", target);

        assertEquals(ExitCodes.UNREACHABLE, run.exit, run.err);
        assertTrue(run.err.strip().startsWith("lbctl: cannot reach the balancer's admin API at " + target), run.err);
        assertTrue(run.err.contains("--cacert, --cert and --key"), run.err);
        assertEquals(1, run.err.strip().lines().count(), run.err);
    }

    @Test
    void missingOrBrokenFilesAreNamedBeforeConnecting() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not.pem"), "hello\n");
        Path missing = dir.resolve("missing.pem");

        Run noFile = run("status", "--target", target, "--cacert", missing.toString());
        Run badCert = run("status", "--target", target, "--cert", notPem.toString(), "--key", operator.key().toString());
        Run badKey = run("status", "--target", target, "--cert", operator.certificate().toString(), "--key", notPem.toString());
        Run noKey = run("status", "--target", target, "--cert", operator.certificate().toString());

        assertEquals("lbctl: --cacert " + missing + ": no such file", noFile.err.strip());
        assertEquals("lbctl: --cert " + notPem + ": not a PEM certificate", badCert.err.strip());
        assertEquals("lbctl: --key " + notPem + ": not a PEM private key (PKCS#8 \"BEGIN PRIVATE KEY\", or RSA)",
                badKey.err.strip());
        assertEquals("lbctl: --cert needs --key, the client certificate's private key (or LBCTL_KEY)", noKey.err.strip());
        for (Run run : List.of(noFile, badCert, badKey, noKey)) {
            assertEquals(ExitCodes.USAGE, run.exit, run.err);
        }
    }

    private static String[] withTls(Issued client, String... command) {
        List<String> args = new ArrayList<>(List.of("--target", target, "--cacert", ca.caCertificate().toString(),
                "--cert", client.certificate().toString(), "--key", client.key().toString()));
        args.addAll(List.of(command));
        return args.toArray(String[]::new);
    }
}
