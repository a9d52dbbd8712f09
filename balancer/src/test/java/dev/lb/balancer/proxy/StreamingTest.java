package dev.lb.balancer.proxy;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.balancer.testing.TestBalancer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bodies far larger than the balancer's heap pass through intact: the balancer runs in a child JVM with
 * {@code -Xmx160m} (the heap bin/balancer gives it) and moves 1 GiB each way. {@code -Dlb.streamBytes=N} changes the size.
 */
class StreamingTest {
    private static final long SIZE = Long.getLong("lb.streamBytes", 1L << 30);
    private static final int CHUNK = 64 * 1024;

    private static BackendServer backend;
    private static BalancerProcess balancer;

    @BeforeAll
    static void start() throws IOException {
        backend = BackendServer.start("127.0.0.1", 0, "bulk");
        balancer = BalancerProcess.start("{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, "
                + TestBalancer.GENEROUS_CHECK + "\"servers\": [{\"url\": \"http://127.0.0.1:" + backend.port() + "\"}]}", "-Xmx160m");
    }

    @AfterAll
    static void stop() throws IOException {
        balancer.close();
        backend.close();
    }

    @Test
    void aBodyFourTimesTheHeapGoesUpIntact() throws IOException {
        CRC32 sent = new CRC32();
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) (i * 31 + 7);
        }
        try (Socket socket = new Socket("127.0.0.1", balancer.port())) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /sink HTTP/1.1\r\nHost: h\r\nContent-Length: " + SIZE + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            for (long left = SIZE; left > 0; ) {
                int n = (int) Math.min(left, chunk.length);
                out.write(chunk, 0, n);
                sent.update(chunk, 0, n);
                left -= n;
            }
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head = Head.read(in);
            assertEquals(200, head.status);
            String body = new String(in.readNBytes((int) head.contentLength), StandardCharsets.UTF_8);
            assertEquals("bytes=" + SIZE + " crc32=" + Long.toHexString(sent.getValue()) + "\n", body);
        }
        assertTrue(balancer.process().isAlive(), "balancer survived; log: " + balancer.log());
    }

    @Test
    void aBodyFourTimesTheHeapComesDownIntact() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", balancer.port())) {
            socket.setSoTimeout(120_000);
            socket.getOutputStream().write(("GET /bytes/" + SIZE + " HTTP/1.1\r\nHost: h\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = new BufferedInputStream(socket.getInputStream(), CHUNK);
            Head head = Head.read(in);
            assertEquals(200, head.status);
            assertEquals(SIZE, head.contentLength);
            byte[] buffer = new byte[CHUNK];
            long offset = 0;
            while (offset < SIZE) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, SIZE - offset));
                assertTrue(n > 0, "body ended early at " + offset);
                for (int i = 0; i < n; i++) {
                    // BackendServer's /bytes pattern: each byte is its offset, modulo 256.
                    if (buffer[i] != (byte) (offset + i)) {
                        throw new AssertionError("byte " + (offset + i) + " corrupted");
                    }
                }
                offset += n;
            }
        }
        assertTrue(balancer.process().isAlive(), "balancer survived; log: " + balancer.log());
    }

    /** A response head read byte by byte, leaving the body in the stream. */
    private record Head(int status, long contentLength) {
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed inside the response head: " + head);
                }
                head.write(b);
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            long length = -1;
            for (String line : lines) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            return new Head(Integer.parseInt(lines[0].split(" ")[1]), length);
        }
    }
}
