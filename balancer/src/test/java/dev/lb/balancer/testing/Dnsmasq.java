package dev.lb.balancer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dnsmasq on a loopback port, answering for names in {@code .test} from a hosts file the test
 * rewrites ({@link #hosts}, which also sends SIGHUP so dnsmasq re-reads it) and SRV records given at
 * start. Records have a TTL of 1 s. The test owns it and closes it.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Path hostsFile;
    private final Process process;
    private final int port;

    private Dnsmasq(Path hostsFile, Process process, int port) {
        this.hostsFile = hostsFile;
        this.process = process;
        this.port = port;
    }

    /**
     * @param dir       the test's temp dir, for the hosts and config files
     * @param hosts     the hosts file's first content, e.g. {@code "127.0.0.2 api.test\n"}
     * @param srvHosts  dnsmasq {@code --srv-host} values, e.g. {@code "_http._tcp.api.test,a.test,8001,0,3"}
     */
    public static Dnsmasq start(Path program, Path dir, String hosts, List<String> srvHosts) throws IOException {
        Path hostsFile = dir.resolve("dns-hosts");
        Files.writeString(hostsFile, hosts);
        Path conf = dir.resolve("dnsmasq.conf");
        Files.writeString(conf, "");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = ExternalPrograms.freePort();
            List<String> command = new ArrayList<>(List.of(program.toString(), "--keep-in-foreground",
                    "--conf-file=" + conf, "--no-resolv", "--no-hosts", "--addn-hosts=" + hostsFile,
                    "--local=/test/", "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port,
                    "--local-ttl=1", "--pid-file=", "--user=" + System.getProperty("user.name"),
                    "--log-facility=" + dir.resolve("dnsmasq.log")));
            srvHosts.forEach(srv -> command.add("--srv-host=" + srv));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq.out").toFile()).start();
            Dnsmasq dnsmasq = new Dnsmasq(hostsFile, process, port);
            if (dnsmasq.answersWithin(Duration.ofSeconds(10))) {
                return dnsmasq;
            }
            dnsmasq.close();
            last = new IOException("dnsmasq did not answer on port " + port + ": " + Files.readString(dir.resolve("dnsmasq.out")));
        }
        throw last;
    }

    /** "127.0.0.1:PORT", as config {@code dns.nameservers} takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Replaces the hosts file and has dnsmasq re-read it. */
    public void hosts(String content) throws IOException, InterruptedException {
        Files.writeString(hostsFile, content);
        signal("HUP");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Whether a query for a name it knows gets any answer: dnsmasq is up and listening. */
    private boolean answersWithin(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // A minimal DNS query for "x.test" A, id 0x1234.
        byte[] query = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(200);
            while (System.nanoTime() < deadline && process.isAlive()) {
                socket.send(new DatagramPacket(query, query.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
                try {
                    socket.receive(new DatagramPacket(new byte[512], 512));
                    return true;
                } catch (SocketTimeoutException notYet) {
                    // dnsmasq is still starting
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    @Override
    public void close() {
        ExternalPrograms.stop(process);
    }
}
