package dev.lb.balancer;

import dev.lb.balancer.testing.ProcessResources;
import dev.lb.balancer.testing.TestConfigs;
import dev.lb.backendserver.BackendServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.lb.testing.Await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A start that fails part-way leaves nothing behind: every server, thread and descriptor opened before
 * the failing step is closed again, in this JVM, counted before and after.
 */
class StartupFailureTest {
    private BackendServer backend;
    private ServerSocket taken;

    @BeforeEach
    void startBackendAndTakeAPort() throws IOException {
        backend = BackendServer.start("127.0.0.1", 0, null);
        taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void release() throws IOException {
        taken.close();
        backend.close();
    }

    @Test
    void busyAdminPortClosesEverythingOpenedBeforeIt() throws Exception {
        String extra = "\"adminPort\": " + taken.getLocalPort() + ", \"metricsPort\": 0, \"metricsHost\": \"127.0.0.1\"";
        failOnce(extra); // loads classes and JVM-wide pools (gRPC's event loops), which stay by design

        int proxyPort = freePort();
        String config = extra + ", \"port\": " + proxyPort;
        Set<Thread> threadsBefore = ProcessResources.threads();
        int filesBefore = ProcessResources.openFiles("self");

        StartupException failure = failOnce(config);

        assertOneLine(failure.getMessage());
        assertTrue(failure.getMessage().contains("port already in use") && failure.getMessage().contains("\"adminPort\""),
                failure.getMessage());
        assertNothingLeft(threadsBefore, filesBefore);
        assertBindable(proxyPort);
    }

    @Test
    void busyMetricsPortClosesEverythingOpenedBeforeIt() throws Exception {
        String extra = "\"metricsPort\": " + taken.getLocalPort() + ", \"metricsHost\": \"127.0.0.1\"";
        failOnce(extra);

        int proxyPort = freePort();
        Set<Thread> threadsBefore = ProcessResources.threads();
        int filesBefore = ProcessResources.openFiles("self");

        StartupException failure = failOnce(extra + ", \"port\": " + proxyPort);

        assertOneLine(failure.getMessage());
        assertTrue(failure.getMessage().contains("port already in use") && failure.getMessage().contains("\"metricsPort\""),
                failure.getMessage());
        assertNothingLeft(threadsBefore, filesBefore);
        assertBindable(proxyPort);
    }

    @Test
    void stopAfterAFailedStartIsHarmless() throws Exception {
        Balancer balancer = new Balancer(TestConfigs.forBackends("\"adminPort\": " + taken.getLocalPort(), backend.port()));
        assertThrows(StartupException.class, balancer::start);

        balancer.stop(Duration.ofSeconds(1));
        balancer.close();
    }

    @Test
    void aBalancerNeverStartedStillEndsItsThreadsOnClose() {
        Set<Thread> threadsBefore = ProcessResources.threads();

        new Balancer(TestConfigs.forBackends("", backend.port())).close();

        Await.until("no thread of the balancer is left", () -> ProcessResources.newThreads(threadsBefore).isEmpty());
    }

    private StartupException failOnce(String extraJson) {
        Balancer balancer = new Balancer(TestConfigs.forBackends(extraJson, backend.port()));
        return assertThrows(StartupException.class, balancer::start);
    }

    private static void assertNothingLeft(Set<Thread> threadsBefore, int filesBefore) {
        try {
            Await.until("the threads started for the balancer end", Duration.ofSeconds(30),
                    () -> balancerThreads(threadsBefore).isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; still alive: " + balancerThreads(threadsBefore), e);
        }
        Await.until("open files back to " + filesBefore, Duration.ofSeconds(30),
                () -> ProcessResources.openFiles("self") <= filesBefore);
    }

    /**
     * The threads started since {@code before}, except the test backend's: it runs in this JVM, and on
     * Java 17 its cached pool may start a thread (kept a minute) to answer the failed balancer's first
     * health check. That thread is the backend's, not something the balancer left behind.
     */
    private static Set<String> balancerThreads(Set<Thread> before) {
        Set<String> threads = new java.util.TreeSet<>(ProcessResources.newThreads(before));
        threads.removeIf(name -> name.startsWith("backend-server-"));
        return threads;
    }

    private static void assertOneLine(String message) {
        assertFalse(message.isBlank());
        assertFalse(message.contains("\n") || message.contains("\r"), message);
    }

    private static void assertBindable(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            assertEquals(port, socket.getLocalPort());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
