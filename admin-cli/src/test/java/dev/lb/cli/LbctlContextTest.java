package dev.lb.cli;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.Issued;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import static dev.lb.cli.Run.withEnvironment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lbctl's contexts: a config file naming balancers and certificates, as kubeconfig does for kubectl. */
class LbctlContextTest {
    @TempDir
    static Path certs;
    @TempDir
    Path home;
    private static TestCa ca;
    private static Issued operator;
    private static Issued viewer;
    private static BackendServer backend;
    private static Balancer secure;
    private static Balancer plaintext;
    private static String backendUrl;

    @BeforeAll
    static void startATlsAndAPlaintextBalancer() throws Exception {
        ca = TestCa.create(certs, "admin");
        Issued server = ca.server("balancer", "balancer");
        operator = ca.client("alice", "alice");
        viewer = ca.client("victor", "victor");
        backend = BackendServer.start("127.0.0.1", 0, "b1");
        backendUrl = "http://127.0.0.1:" + backend.port();
        String servers = "\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 3600,"
                + " \"servers\": [{\"url\": \"" + backendUrl + "\"}]";
        secure = new Balancer(ConfigLoader.parse("{" + servers + ", \"adminTls\": {\"certificateFile\": \""
                + server.certificate() + "\", \"privateKeyFile\": \"" + server.key() + "\", \"clientCaFile\": \""
                + ca.caCertificate() + "\"}, \"adminAccess\": {\"operators\": [\"alice\"], \"viewers\": [\"victor\"]}}",
                "test-config")).start();
        plaintext = new Balancer(ConfigLoader.parse("{" + servers + "}", "test-config")).start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{secure, plaintext, backend}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the other parts still close
            }
        }
    }

    @Test
    void aContextSuppliesTheTargetAndTheCertificatesGivenRelativeToTheFile() throws Exception {
        Path config = home.resolve("lbctl.json");
        Files.copy(ca.caCertificate(), home.resolve("ca.pem"));
        Files.copy(viewer.certificate(), home.resolve("victor.pem"));
        Files.copy(viewer.key(), home.resolve("victor.key"));
        writePrivate(config, "{\"contexts\": {"
                + "\"prod\": {\"target\": \"127.0.0.1:" + secure.adminPort() + "\", \"cacert\": \"" + ca.caCertificate()
                + "\", \"cert\": \"" + operator.certificate() + "\", \"key\": \"" + operator.key() + "\"},"
                + "\"prod-ro\": {\"targets\": [\"127.0.0.1:" + secure.adminPort() + "\"], \"cacert\": \"ca.pem\","
                + " \"cert\": \"victor.pem\", \"key\": \"victor.key\"}}}");
        Map<String, String> env = env(config);

        Run status = withEnvironment(env, "--context", "prod", "status");
        Run asViewer = withEnvironment(env, "drain", backendUrl, "--context", "prod-ro");
        Run asOperator = withEnvironment(env, "--context", "prod", "drain", backendUrl);

        assertEquals(0, status.exit, status.err);
        assertTrue(status.out.startsWith("BACKEND"), status.out);
        assertEquals("lbctl: the balancer at 127.0.0.1:" + secure.adminPort() + " refused: role viewer may not call Drain;"
                + " it needs operator (adminAccess.operators)", asViewer.err.strip());
        assertEquals(0, asOperator.exit, asOperator.err);
        assertEquals(AdminState.DRAINING, secure.pool().find(backendUrl).orElseThrow().adminState());
        assertEquals(0, withEnvironment(env, "--context", "prod", "enable", backendUrl).exit);
    }

    @Test
    void setContextAndUseContextWriteAPrivateFileAndChooseTheDefault() throws Exception {
        Map<String, String> env = Map.of("HOME", home.toString());
        Path file = home.resolve(".config/lbctl/config.json");

        Run added = withEnvironment(env, "config", "set-context", "dead", "--target", "127.0.0.1:" + closedPort());
        Run other = withEnvironment(env, "config", "set-context", "local", "--target", "127.0.0.1:" + plaintext.adminPort());
        Run deadFirst = withEnvironment(env, "status");
        Run use = withEnvironment(env, "config", "use-context", "local");
        Run status = withEnvironment(env, "status");
        Run current = withEnvironment(env, "config", "current-context");
        Run list = withEnvironment(env, "config", "get-contexts");

        assertEquals(0, added.exit, added.err);
        assertEquals("added context \"dead\" in " + file, added.out.strip());
        assertEquals(0, other.exit, other.err);
        assertEquals(ExitCodes.UNREACHABLE, deadFirst.exit, "the first context added is the current one: " + deadFirst.err);
        assertEquals(0, use.exit, use.err);
        assertEquals(0, status.exit, status.err);
        assertEquals("local", current.out.strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(3, list.out.lines().count(), list.out);
        assertTrue(list.out.lines().anyMatch(l -> l.matches("\\*\\s+local\\s+127\\.0\\.0\\.1:" + plaintext.adminPort() + "\\s+-")),
                list.out);
    }

    @Test
    void xdgConfigHomeIsWhereTheFileLivesWhenSet() throws Exception {
        Path xdg = home.resolve("xdg");
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CONFIG_HOME", xdg.toString());

        Run added = withEnvironment(env, "config", "set-context", "local", "--target", "127.0.0.1:" + plaintext.adminPort());

        assertEquals(0, added.exit, added.err);
        assertTrue(Files.exists(xdg.resolve("lbctl/config.json")));
    }

    @Test
    void flagsAndEnvironmentWinOverTheCurrentContext() throws Exception {
        Path config = home.resolve("lbctl.json");
        writePrivate(config, "{\"currentContext\": \"dead\", \"contexts\": {\"dead\": {\"target\": \"127.0.0.1:"
                + closedPort() + "\"}}}");
        String live = "127.0.0.1:" + plaintext.adminPort();

        Run fromContext = withEnvironment(env(config), "status");
        Run flag = withEnvironment(env(config), "status", "--target", live);
        Map<String, String> withTarget = new HashMap<>(env(config));
        withTarget.put("LBCTL_TARGET", live);
        Run fromEnv = withEnvironment(withTarget, "status");

        assertEquals(ExitCodes.UNREACHABLE, fromContext.exit, fromContext.err);
        assertEquals(0, flag.exit, flag.err);
        assertEquals(0, fromEnv.exit, fromEnv.err);
    }

    @Test
    void aConfigFileOthersMayReadIsRefusedWithTheFix() throws Exception {
        Path config = home.resolve("lbctl.json");
        Files.writeString(config, "{\"contexts\": {}}");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));

        Run run = withEnvironment(env(config), "status");
        Run list = withEnvironment(env(config), "config", "get-contexts");

        assertEquals(ExitCodes.USAGE, run.exit, run.err);
        assertEquals("lbctl: refusing to read " + config + ": others may access it (mode rw-r--r--) and it names"
                + " client certificates; run: chmod 600 " + config, run.err.strip());
        assertEquals(ExitCodes.USAGE, list.exit, list.err);
        assertEquals(run.err, list.err);
    }

    @Test
    void anUnknownContextOrABrokenFileIsOneUsageLine() throws Exception {
        Path config = home.resolve("lbctl.json");
        writePrivate(config, "{\"contexts\": {\"prod\": {\"target\": \"lb-1:9090\"}, \"stage\": {\"target\": \"lb-9:9090\"}}}");

        Run unknown = withEnvironment(env(config), "--context", "prd", "status");
        writePrivate(config, "{\"contexts\": {\"prod\": {\"tagret\": \"lb-1:9090\"}}}");
        Run misspelt = withEnvironment(env(config), "status");
        writePrivate(config, "{\"contexts\": ");
        Run broken = withEnvironment(env(config), "status");

        assertEquals(ExitCodes.USAGE, unknown.exit);
        assertEquals("lbctl: no context \"prd\" in " + config + "; the contexts are prod, stage", unknown.err.strip());
        assertEquals(ExitCodes.USAGE, misspelt.exit);
        assertEquals("lbctl: " + config + ": contexts.prod: unknown field \"tagret\" (the fields are target, targets,"
                + " cacert, cert, key)", misspelt.err.strip());
        assertEquals(ExitCodes.USAGE, broken.exit);
        assertTrue(broken.err.startsWith("lbctl: " + config + ": not valid JSON at line 1"), broken.err);
        assertEquals(1, broken.err.strip().lines().count(), broken.err);
    }

    private static Map<String, String> env(Path config) {
        return Map.of("LBCTL_CONFIG", config.toString(), "HOME", config.getParent().toString());
    }

    private static void writePrivate(Path file, String json) throws IOException {
        Files.writeString(file, json);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort(); // free again once closed: nothing listens there
        }
    }
}
