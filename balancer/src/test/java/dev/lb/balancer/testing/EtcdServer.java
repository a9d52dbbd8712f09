package dev.lb.balancer.testing;

import com.google.protobuf.ByteString;
import dev.lb.etcd.etcdserverpb.DeleteRangeRequest;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.PutRequest;
import dev.lb.etcd.etcdserverpb.RangeRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-member etcd for each test of a class, on loopback ports with a data dir of its own: a
 * JUnit extension, registered as {@code @RegisterExtension final EtcdServer etcd = new EtcdServer("...")}.
 * It is running when the test starts and stopped, its dir deleted, when the test ends (after the
 * class's {@code @AfterEach}, so balancers close while it still answers). Where etcd is not installed,
 * the test is skipped with a line saying so. A test may stop and start it again on the same ports and
 * data, as an operator's restart would.
 */
public final class EtcdServer implements BeforeEachCallback, AfterEachCallback {
    private final String untested;
    private Path dir;
    private Path program;
    private int clientPort;
    private int peerPort;
    private Process process;
    private ManagedChannel channel;

    /** @param untested what goes untested without etcd, for the skip line: "etcd discovery is not tested here" */
    public EtcdServer(String untested) {
        this.untested = untested;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        var found = ExternalPrograms.find("etcd");
        Assumptions.assumeTrue(found.isPresent(), "etcd is not installed (Debian: apt-get install etcd-server); " + untested);
        program = found.get();
        dir = Files.createTempDirectory("etcd-test");
        clientPort = ExternalPrograms.freePort();
        peerPort = ExternalPrograms.freePort();
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        stop();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            dir = null;
        }
    }

    /** "http://127.0.0.1:PORT", as config {@code discovery.etcd.endpoints} takes it. */
    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** Starts (again) and waits until it serves reads. */
    public void start() throws IOException {
        String peer = "http://127.0.0.1:" + peerPort;
        process = new ProcessBuilder(List.of(program.toString(), "--name", "test",
                "--data-dir", dir.resolve("etcd-data").toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "test=" + peer))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                .start();
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", clientPort, InsecureChannelCredentials.create()).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                KVGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/")).build());
                return;
            } catch (RuntimeException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    stop();
                    throw new IOException("etcd did not start on " + endpoint() + "; see " + dir.resolve("etcd.log")
                            + ":\n" + Files.readString(dir.resolve("etcd.log")));
                }
            }
        }
    }

    public void put(String key, String value) {
        KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build());
    }

    public void delete(String key) {
        KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).deleteRange(DeleteRangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).build());
    }

    /** Stops the process; the data dir stays for {@link #start()}. */
    public void stop() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        if (process != null) {
            ExternalPrograms.stop(process);
            process = null;
        }
    }

    /**
     * The config of a balancer that follows {@code prefix} here: proxy and admin on port 0 of loopback,
     * health checks every second, a backend up after one good check.
     */
    public String balancerConfig(String prefix) {
        return "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"healthCheckInterval\": 1,"
                + " \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + ", \"healthyThreshold\": 1},"
                + " \"discovery\": {\"etcd\": {\"endpoints\": [\"" + endpoint() + "\"], \"prefix\": \"" + prefix + "\"}}}";
    }
}
