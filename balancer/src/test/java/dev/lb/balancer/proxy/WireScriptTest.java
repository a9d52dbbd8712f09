package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static dev.lb.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every byte-exact case in {@code src/test/resources/dev/lb/balancer/proxy/wire} (format in
 * docs/testing.md, "Wire scripts") against one real balancer in front of one scripted backend: the
 * client's bytes go to the balancer over a socket, the backend's raw bytes are compared with what the
 * case says it receives, and the client's answer with what the case says it gets.
 */
class WireScriptTest {
    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
    private static ScriptedBackend backend;
    private static Balancer balancer;
    private static volatile byte[] answer = OK;

    @BeforeAll
    static void start() throws Exception {
        backend = new ScriptedBackend((request, socket, out) -> {
            out.write(answer);
            out.flush();
        });
        balancer = TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json(
                // The JDK's server on every JDK, so the bytes are the same on 17 and 25 (field-name case,
                // field order); a generous first check: on a loaded machine a 1 s one can miss (all 503).
                "\"server\": \"jdk\", \"retries\": 0, \"healthCheck\": {\"timeoutMs\": 10000},"
                        + " \"timeouts\": {\"requestHeadMs\": 2000, \"requestBodyIdleMs\": 2000}").startBalancer();
    }

    @AfterAll
    static void stop() throws IOException {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static Stream<Path> scripts() throws IOException, URISyntaxException {
        Path dir = Path.of(WireScriptTest.class.getResource("wire").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".wire")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void theWireIsAsTheScriptSays(Path file) throws IOException {
        WireScript script = WireScript.read(file);
        answer = script.backendSends() == null ? OK : script.backendSends();
        int before = backend.rawRequests().size();

        byte[] received;
        boolean closed;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), balancer.port())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(script.clientSends());
            client.getOutputStream().flush();
            InputStream in = client.getInputStream();
            received = readResponse(in, methodOf(script.clientSends()));
            closed = !script.closed() || closedWithin(client, in, Duration.ofSeconds(10));
        }

        String got = new String(received, StandardCharsets.ISO_8859_1);
        if (script.clientReceives() != null) {
            assertTrue(script.clientReceives().matcher(got).matches(),
                    script.name() + ": the client received\n" + WireScript.shown(received));
        }
        if (script.clientStatus() != 0) {
            assertTrue(got.startsWith("HTTP/1.1 " + script.clientStatus() + " "),
                    script.name() + ": the client received\n" + WireScript.shown(received));
        }
        assertTrue(closed, script.name() + ": the balancer closes the client's connection");

        if (script.backendReceives() == null) {
            assertEquals(before, backend.rawRequests().size(), script.name() + ": nothing reaches the backend");
        } else {
            until(script.name() + ": a request at the backend", Duration.ofSeconds(10), () -> backend.rawRequests().size() > before);
            List<byte[]> raw = backend.rawRequests();
            assertEquals(before + 1, raw.size(), script.name() + ": one request reaches the backend");
            byte[] seen = raw.get(before);
            assertTrue(script.backendReceives().matcher(new String(seen, StandardCharsets.ISO_8859_1)).matches(),
                    script.name() + ": the backend received\n" + WireScript.shown(seen));
        }
    }

    private static String methodOf(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1).stripLeading();
        int space = text.indexOf(' ');
        return space < 0 ? "" : text.substring(0, space);
    }

    /** One answer's bytes: the head, then the body as its framing gives (all of it until close without one). */
    private static byte[] readResponse(InputStream in, String method) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String head = readHead(in, bytes);
        if (head == null) {
            return bytes.toByteArray();
        }
        int status = Integer.parseInt(head.substring(9, 12));
        String lower = head.toLowerCase(Locale.ROOT);
        if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
            return bytes.toByteArray();
        }
        if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
            copyChunked(in, bytes);
        } else if (lower.contains("\r\ncontent-length: ")) {
            String value = lower.substring(lower.indexOf("\r\ncontent-length: ") + 18);
            copy(in, bytes, Long.parseLong(value.substring(0, value.indexOf('\r')).trim()));
        } else {
            copy(in, bytes, Long.MAX_VALUE);
        }
        return bytes.toByteArray();
    }

    /** The head as text with its final CRLF CRLF, also copied to {@code bytes}; null if the connection ended first. */
    private static String readHead(InputStream in, ByteArrayOutputStream bytes) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            bytes.write(b);
            head.append((char) b);
        }
        return head.toString();
    }

    private static void copyChunked(InputStream in, ByteArrayOutputStream bytes) throws IOException {
        while (true) {
            String size = line(in, bytes);
            int semicolon = size.indexOf(';');
            long n = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                while (!line(in, bytes).isEmpty()) {
                    // trailer fields, copied as they are
                }
                return;
            }
            copy(in, bytes, n);
            line(in, bytes);
        }
    }

    private static String line(InputStream in, ByteArrayOutputStream bytes) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            bytes.write(b);
            if (b == '\n') {
                return line.toString().replaceFirst("\r$", "");
            }
            line.append((char) b);
        }
        throw new IOException("connection ended inside a chunked answer");
    }

    private static void copy(InputStream in, ByteArrayOutputStream bytes, long count) throws IOException {
        byte[] buffer = new byte[8192];
        long copied = 0;
        while (copied < count) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, count - copied));
            if (n < 0) {
                return;
            }
            bytes.write(buffer, 0, n);
            copied += n;
        }
    }

    private static boolean closedWithin(Socket socket, InputStream in, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
