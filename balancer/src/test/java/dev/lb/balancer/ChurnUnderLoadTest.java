package dev.lb.balancer;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.DrainRequest;
import dev.lb.admin.v1.EnableRequest;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.ReloadRequest;
import dev.lb.balancer.server.WorkerExecutors;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.ProcessResources;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Churn under load: 100 keep-alive clients through a balancer (its own process) in front of three
 * real {@code backend-server} processes, while one backend is killed with SIGKILL and restarted,
 * another frozen with SIGSTOP, the third drained and enabled again, and the config reloaded, twice.
 * Only the requests in flight on the killed or frozen backend at that moment may fail; after the
 * second round nothing is in flight and the balancer holds the threads, descriptors and memory it
 * held after the first.
 *
 * <p>Bounded for the suite (a 2 s freeze, one to two minutes in all on a loaded 2-core machine);
 * {@code bench/churn.sh} runs the same churn longer, with a 5 s freeze, against the built jars.
 */
class ChurnUnderLoadTest {
    private static final int CLIENTS = 100;
    private static final Duration FREEZE = Duration.ofSeconds(2);
    /** Headroom on the balancer's heap: fixed and touched up front, so RSS shows what else grows. */
    private static final String[] BALANCER_JVM = {"-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC"};
    /**
     * Threads: JIT compiler threads come and go on their own (-XX:+UseDynamicNumberOfCompilerThreads),
     * and the elastic worker pool sizes itself to the peak of concurrent requests, which retries during
     * the churn can lift by a few.
     */
    private static final int THREAD_MARGIN = 12;
    /**
     * How long the thread count may take to come back: on Java 17 the platform worker pool ends a
     * thread it grew for a peak after a minute idle ({@link WorkerExecutors#PLATFORM_IDLE}).
     */
    private static final Duration THREADS_SETTLE = WorkerExecutors.PLATFORM_IDLE.plusSeconds(30);
    /** Descriptors: none may leak; a few for files the JVM opens lazily (a jar, a /proc entry). */
    private static final int FILE_MARGIN = 6;
    /**
     * Resident memory, with the heap already resident: code the JIT compiles for the failure paths
     * first run during the churn, and the stacks of the extra threads above.
     */
    private static final long RSS_MARGIN_KIB = 32 * 1024;

    private final List<Process> backends = new ArrayList<>();
    private BalancerProcess balancer;
    private ManagedChannel admin;

    @AfterEach
    void stopEverything() throws IOException {
        if (admin != null) {
            admin.shutdownNow();
        }
        if (balancer != null) {
            balancer.close();
        }
        // SIGKILL ends a frozen (SIGSTOPped) process too.
        backends.forEach(backend -> backend.toHandle().destroyForcibly());
    }

    @Test
    void churnFailsOnlyRequestsInFlightOnTheKilledOrFrozenBackendAndLeavesNothingBehind() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        for (int port : ports) {
            backends.add(startBackend(port));
        }
        int adminPort = freePort();
        balancer = BalancerProcess.start(config(ports, adminPort), BALANCER_JVM);
        admin = NettyChannelBuilder.forAddress("127.0.0.1", adminPort).usePlaintext().build();
        String pid = Long.toString(balancer.process().pid());
        Await.until("all three backends UP", Duration.ofSeconds(60), () -> upCount() == 3);

        // Warm-up: the same load through one round of the same churn, so the worker pool, the JIT
        // (failure paths included), the pools and the allocator's arenas are at their churned size when
        // the "before" figures are taken. What the second round adds is what a leak would add per round.
        Load warmUp = Load.start(balancer.port(), CLIENTS);
        Await.until("warm-up traffic", Duration.ofSeconds(60), () -> warmUp.ok() >= 2_000);
        churnOnce(warmUp, ports);
        warmUp.stop();
        awaitIdle();
        int threadsBefore = ProcessResources.threadCount(pid);
        SortedMap<String, Long> threadNamesBefore = ProcessResources.threadNames(pid);
        int filesBefore = steadyOpenFiles(pid);
        long rssBefore = ProcessResources.residentKib(pid);

        Load load = Load.start(balancer.port(), CLIENTS);
        Await.until("traffic on every backend", Duration.ofSeconds(60), () -> load.ok() >= 500);
        churnOnce(load, ports);
        load.stop();

        awaitIdle();
        try {
            Await.until("threads back near " + threadsBefore, THREADS_SETTLE,
                    () -> ProcessResources.threadCount(pid) <= threadsBefore + THREAD_MARGIN);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; threads before " + threadNamesBefore + ", now "
                    + ProcessResources.threadNames(pid), e);
        }
        Await.until("open files back near " + filesBefore, Duration.ofSeconds(30),
                () -> ProcessResources.openFiles(pid) <= filesBefore + FILE_MARGIN);
        long rssAfter = ProcessResources.residentKib(pid);
        System.out.printf("churn: threads %d -> %d, open files %d -> %d, RSS %d -> %d KiB%n",
                threadsBefore, ProcessResources.threadCount(pid), filesBefore, ProcessResources.openFiles(pid),
                rssBefore, rssAfter);
        assertTrue(rssAfter <= rssBefore + RSS_MARGIN_KIB, "RSS grew from " + rssBefore + " to " + rssAfter + " KiB");
    }

    /**
     * One round of churn under {@code load}: kill -9 and restart the first backend, freeze the second
     * for {@link #FREEZE}, drain and enable the third, reload the config; then 500 more answers. Fails
     * if more requests failed than were in flight on the killed or frozen backend.
     */
    private void churnOnce(Load load, int[] ports) throws IOException {
        String killed = url(ports[0]);
        String frozen = url(ports[1]);
        String drained = url(ports[2]);
        long failedBefore = load.failed();

        // kill -9: what was in flight on it may fail, nothing else.
        int inFlightKilled = peakInFlight(killed);
        backends.get(0).toHandle().destroyForcibly();
        inFlightKilled = Math.max(inFlightKilled, inFlight(killed));
        Await.until("the killed backend DOWN", Duration.ofSeconds(30), () -> health(killed) == HealthState.HEALTH_STATE_DOWN);

        // SIGSTOP: its requests wait (and its checks time out) until SIGCONT.
        int inFlightFrozen = peakInFlight(frozen);
        signal(backends.get(1), "STOP");
        inFlightFrozen = Math.max(inFlightFrozen, inFlight(frozen));
        long frozenAt = System.nanoTime();
        Await.until("the freeze to last " + FREEZE.toMillis() + " ms", FREEZE.plusSeconds(5),
                () -> System.nanoTime() - frozenAt >= FREEZE.toNanos());
        signal(backends.get(1), "CONT");

        backends.set(0, startBackend(ports[0]));
        Await.until("both back UP", Duration.ofSeconds(60),
                () -> health(killed) == HealthState.HEALTH_STATE_UP && health(frozen) == HealthState.HEALTH_STATE_UP);

        long okBeforeDrain = load.ok();
        stub().withDeadlineAfter(30, TimeUnit.SECONDS)
                .drain(DrainRequest.newBuilder().setBackend(drained).setActor("churn-test").setWait(true).build())
                .forEachRemaining(event -> { });
        assertEquals(0, inFlight(drained), "a finished drain leaves nothing in flight");
        stub().withDeadlineAfter(10, TimeUnit.SECONDS)
                .enable(EnableRequest.newBuilder().setBackend(drained).setActor("churn-test").build());
        stub().withDeadlineAfter(30, TimeUnit.SECONDS).reload(ReloadRequest.newBuilder().setActor("churn-test").build());
        Await.until("traffic after the reload", Duration.ofSeconds(60), () -> load.ok() >= okBeforeDrain + 500);

        long failed = load.failed() - failedBefore;
        long allowed = inFlightKilled + inFlightFrozen;
        System.out.printf("churn: %d ok, %d failed (allowed %d: %d in flight on the killed backend, %d on the frozen one)%n",
                load.ok(), failed, allowed, inFlightKilled, inFlightFrozen);
        assertTrue(failed <= allowed, () -> failed + " requests failed; only the " + allowed
                + " in flight on the killed or frozen backend may: " + load.failures() + "; the balancer's backend log: "
                + balancer.log().stream().filter(line -> line.contains("backend")).toList());
    }

    /** Nothing in flight anywhere: the balancer's count and every backend's are exactly 0. */
    private void awaitIdle() {
        Await.until("nothing in flight", Duration.ofSeconds(30), () -> {
            GetStatusResponse status = status();
            return status.getBalancer().getInFlight() == 0
                    && status.getBackendsList().stream().allMatch(backend -> backend.getInFlight() == 0);
        });
    }

    /**
     * The balancer's open descriptors once the count has stood still for two seconds: idle backend
     * connections expire after {@code backendIdleMs} (half a second here) at the next sweep.
     */
    /**
     * The fewest descriptors seen over 3 s (three health-check rounds). Each check opens and closes a
     * connection of its own, so the count never holds still for long; its floor is what stays open.
     */
    private static int steadyOpenFiles(String pid) {
        int[] fewest = {Integer.MAX_VALUE};
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        Await.until("three seconds of open-file counts of the balancer", Duration.ofSeconds(30), () -> {
            fewest[0] = Math.min(fewest[0], ProcessResources.openFiles(pid));
            return System.nanoTime() - until >= 0;
        });
        return fewest[0];
    }

    private static String config(int[] ports, int adminPort) {
        StringBuilder servers = new StringBuilder();
        for (int port : ports) {
            servers.append(servers.length() == 0 ? "" : ", ").append("{\"url\": \"").append(url(port)).append("\"}");
        }
        // Checks every second with a short timeout, so the churn is seen quickly; idle backend
        // connections expire after half a second, so "before" and "after" both hold none.
        return "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": " + adminPort + ", \"retries\": 2, "
                + "\"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": 500, \"healthyThreshold\": 1}, "
                + "\"timeouts\": {\"backendIdleMs\": 500}, \"servers\": [" + servers + "]}";
    }

    private AdminServiceGrpc.AdminServiceBlockingStub stub() {
        return AdminServiceGrpc.newBlockingStub(admin);
    }

    private GetStatusResponse status() {
        return stub().withDeadlineAfter(10, TimeUnit.SECONDS).getStatus(GetStatusRequest.getDefaultInstance());
    }

    private BackendStatus backend(String url) {
        return status().getBackendsList().stream().filter(b -> b.getUrl().equals(url)).findFirst().orElseThrow();
    }

    private int inFlight(String url) {
        return backend(url).getInFlight();
    }

    /**
     * The most requests in flight on the backend over a few reads in a row: the count moves by the
     * millisecond, and the moment of a signal falls somewhere among them.
     */
    private int peakInFlight(String url) {
        int peak = 0;
        for (int i = 0; i < 5; i++) {
            peak = Math.max(peak, inFlight(url));
        }
        return peak;
    }

    private HealthState health(String url) {
        return backend(url).getHealth();
    }

    private long upCount() {
        return status().getBackendsList().stream().filter(b -> b.getHealth() == HealthState.HEALTH_STATE_UP).count();
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** A real {@code backend-server}, in a JVM of its own so it can be killed and frozen. */
    private static Process startBackend(int port) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // The test class path carries Jetty's provider as a service: name the JDK's, as the jar runs.
        Process process = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dcom.sun.net.httpserver.HttpServerProvider=sun.net.httpserver.DefaultHttpServerProvider",
                "-cp", System.getProperty("java.class.path"), "dev.lb.backendserver.BackendServerMain",
                "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Await.until("backend-server on " + port, Duration.ofSeconds(60), () -> listening(port) || !process.isAlive());
            assertTrue(process.isAlive(), () -> "backend-server on " + port + " exited with " + process.exitValue());
        } catch (AssertionError e) {
            // Not yet in the list the clean-up kills: end it here, so a failed start leaves no process.
            process.destroyForcibly();
            throw e;
        }
        return process;
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void signal(Process process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
        } catch (IOException e) {
            throw new AssertionError("kill -" + signal + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending SIG" + signal, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Closed-loop load: each client keeps one connection and sends the next GET when the last answer
     * is complete, so at most one request per client is ever in flight. A failed request (an error
     * or a status other than 200) is counted and the client reconnects.
     */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong ok = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> clients = new ArrayList<>();

        static Load start(int port, int clients) {
            Load load = new Load();
            for (int i = 0; i < clients; i++) {
                Thread client = new Thread(() -> load.run(port), "churn-client-" + i);
                client.setDaemon(true);
                load.clients.add(client);
                client.start();
            }
            return load;
        }

        private void run(int port) {
            RawHttp connection = null;
            while (running.get()) {
                try {
                    if (connection == null) {
                        connection = new RawHttp(port);
                    }
                    RawResponse response = connection.send("GET /churn HTTP/1.1\r\nHost: lb\r\n\r\n").read("GET");
                    if (response.status() == 200 && response.complete()) {
                        ok.incrementAndGet();
                    } else {
                        fail("HTTP " + response.status() + (response.complete() ? "" : " (incomplete)"));
                        connection = close(connection);
                    }
                    if (connection != null && response.closesConnection()) {
                        connection = close(connection);
                    }
                } catch (IOException e) {
                    fail(e.toString());
                    connection = close(connection);
                }
            }
            close(connection);
        }

        private void fail(String why) {
            if (running.get()) {
                failed.incrementAndGet();
                if (failures.size() < 20) {
                    failures.add(why);
                }
            }
        }

        private static RawHttp close(RawHttp connection) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (IOException e) {
                    // closing a broken connection: nothing left to do
                }
            }
            return null;
        }

        long ok() {
            return ok.get();
        }

        long failed() {
            return failed.get();
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        /** Stops every client and waits until each has closed its connection. */
        void stop() throws InterruptedException {
            running.set(false);
            for (Thread client : clients) {
                client.join(30_000);
            }
        }
    }
}
