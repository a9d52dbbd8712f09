package dev.lb.balancer.testing;

import com.google.protobuf.ByteString;
import dev.lb.etcd.etcdserverpb.DeleteRangeRequest;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.PutRequest;
import dev.lb.etcd.etcdserverpb.RangeRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-member etcd on loopback ports with a data dir in the test's temp dir. It can be stopped
 * and started again on the same ports and data, as an operator's restart would. The test owns it.
 */
public final class Etcd implements AutoCloseable {
    private final Path program;
    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private Process process;
    private ManagedChannel channel;

    private Etcd(Path program, Path dir, int clientPort, int peerPort) {
        this.program = program;
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    public static Etcd start(Path program, Path dir) throws IOException {
        Etcd etcd = new Etcd(program, dir, ExternalPrograms.freePort(), ExternalPrograms.freePort());
        etcd.start();
        return etcd;
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
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
