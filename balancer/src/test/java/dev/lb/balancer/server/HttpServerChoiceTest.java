package dev.lb.balancer.server;

import com.sun.net.httpserver.spi.HttpServerProvider;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.TestConfigs;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The config's {@code server} decides which implementation serves the proxy port, and nothing else does:
 * Jetty's jar is on this class path with its provider registered as a service, which would otherwise make
 * every {@code HttpServer.create} in the process a Jetty server.
 */
class HttpServerChoiceTest {
    private BackendServer backend;

    @BeforeEach
    void startBackend() throws IOException {
        backend = BackendServer.start("127.0.0.1", 0, "b1");
    }

    @AfterEach
    void stopBackend() {
        backend.close();
    }

    @Test
    void jettysProviderIsVisibleToServiceLoaderHere() {
        assertTrue(ServiceLoader.load(HttpServerProvider.class).stream()
                        .anyMatch(p -> p.type().getName().startsWith("org.eclipse.jetty.")),
                "the class path these tests run on registers Jetty's provider");
    }

    @Test
    void theJdkChoiceServesWithTheJdkServer() throws Exception {
        try (Balancer balancer = new Balancer(TestConfigs.forBackends("\"server\": \"jdk\"", backend.port())).start()) {
            assertEquals("sun.net.httpserver.HttpServerImpl", balancer.serverImplementation());
            assertAnswers(balancer.port());
        }
    }

    @Test
    void theJettyChoiceServesWithJetty() throws Exception {
        try (Balancer balancer = new Balancer(TestConfigs.forBackends("\"server\": \"jetty\"", backend.port())).start()) {
            assertEquals(JettyServer.class.getName(), balancer.serverImplementation());
            assertAnswers(balancer.port());
        }
    }

    @Test
    void theRobahoChoiceServesWithRobahosServerOnJava21AndNewer() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "robaho's server needs Java 21");
        try (Balancer balancer = new Balancer(TestConfigs.forBackends("\"server\": \"robaho\"", backend.port())).start()) {
            assertEquals(RobahoServer.class.getName(), balancer.serverImplementation());
            awaitBackendUp(balancer);
            assertAnswers(balancer.port());
        }
    }

    @Test
    void autoServesWithRobahosServerOnJava21AndTheJdkServerBefore() throws Exception {
        String expected = Runtime.version().feature() >= 21 ? RobahoServer.class.getName() : "sun.net.httpserver.HttpServerImpl";
        try (Balancer balancer = new Balancer(TestConfigs.forBackends("\"server\": \"auto\"", backend.port())).start()) {
            assertEquals(expected, balancer.serverImplementation());
            awaitBackendUp(balancer);
            assertAnswers(balancer.port());
        }
    }

    @Test
    void theRobahoChoiceOnJava17FailsTheStartWithOneLine() {
        assumeTrue(Runtime.version().feature() < 21, "only before Java 21");
        Balancer balancer = new Balancer(TestConfigs.forBackends("\"server\": \"robaho\"", backend.port()));
        StartupException e = assertThrows(StartupException.class, balancer::start);
        balancer.close();
        assertEquals("\"server\": \"robaho\" needs Java 21 or newer; this is Java " + Runtime.version().feature()
                + " (use \"auto\" or \"jdk\", or run a newer JDK)", e.getMessage());
    }

    @Test
    void aProcessWithTheDefaultConfigServesWithTheJdkServer() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start("{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, "
                + "\"server\": \"jdk\", " + TestBalancer.GENEROUS_CHECK + "\"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}]}")) {
            assertAnswers(balancer.port());
            assertTrue(balancer.log().stream().anyMatch(line -> line.contains("listening on") && line.contains("JDK server")),
                    "start-up line names the JDK server: " + balancer.log());
        }
    }

    /** On a loaded machine the first health check may answer after the start: its 503 is not the subject here. */
    private static void awaitBackendUp(Balancer balancer) {
        Await.until("backend up", Duration.ofSeconds(30), () -> balancer.pool().all().get(0).health() == HealthState.UP);
    }

    private static void assertAnswers(int port) throws IOException {
        try (RawHttp client = new RawHttp(port)) {
            client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(200, client.read("GET").status());
        }
    }
}
