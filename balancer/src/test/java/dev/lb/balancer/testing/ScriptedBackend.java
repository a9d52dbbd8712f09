package dev.lb.balancer.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on a raw server socket that records every request exactly as it arrived (header names,
 * order, framing) and answers with bytes a test writes itself, including broken ones.
 */
public final class ScriptedBackend implements AutoCloseable {

    /** Writes the raw answer to one request; may also close or break the connection. */
    @FunctionalInterface
    public interface Responder {
        void respond(Recorded request, Socket socket, OutputStream out) throws IOException;
    }

    /**
     * One request as received.
     *
     * @param method     request method
     * @param target     request target as sent
     * @param headers    header fields in wire order
     * @param body       the body (decoded when chunked)
     * @param connection which accepted connection carried it, counting from 1
     */
    public record Recorded(String method, String target, List<Map.Entry<String, String>> headers, byte[] body,
                           int connection) {
        public List<String> values(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
        }

        public String header(String name) {
            List<String> values = values(name);
            return values.isEmpty() ? null : values.get(0);
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-backend");
        t.setDaemon(true);
        return t;
    });
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    /** The bytes of each recorded request as they arrived, head and body, in the order of {@link #requests}. */
    private final List<byte[]> rawRequests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private volatile Responder responder;
    private volatile int idleCloseMillis;
    /** Counted down when the accept loop has left {@code accept()} for good. */
    private final CountDownLatch acceptorDone = new CountDownLatch(1);

    public ScriptedBackend(Responder responder) throws IOException {
        this.responder = responder;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    /** A 200 answer with the given body and extra raw header lines. */
    public static Responder ok(String body, String... headerLines) {
        return (request, socket, out) -> {
            StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
            for (String line : headerLines) {
                head.append(line).append("\r\n");
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        };
    }

    public int port() {
        return server.getLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** Each recorded request's bytes exactly as they arrived (chunked framing included), in arrival order. */
    public List<byte[]> rawRequests() {
        return List.copyOf(rawRequests);
    }

    public Recorded last() {
        return requests.get(requests.size() - 1);
    }

    public int connections() {
        return connections.get();
    }

    /** Connections this backend has finished with (closed by either side). */
    public int closedConnections() {
        return closed.get();
    }

    public void respondWith(Responder next) {
        this.responder = next;
    }

    /** Closes a keep-alive connection after it has been idle this long, like a backend with a short idle timeout. */
    public void closeIdleAfter(int millis) {
        this.idleCloseMillis = millis;
    }

    private void acceptLoop() {
        try {
            while (!server.isClosed()) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    return;
                }
                sockets.add(socket);
                if (server.isClosed()) {
                    // Accepted while closing: closed by close() with the others, never served.
                    return;
                }
                int id = connections.incrementAndGet();
                threads.execute(() -> serve(socket, id));
            }
        } finally {
            acceptorDone.countDown();
        }
    }

    private void serve(Socket socket, int id) {
        try (socket) {
            Tee tee = new Tee(new BufferedInputStream(socket.getInputStream()));
            InputStream in = tee;
            OutputStream out = socket.getOutputStream();
            boolean first = true;
            while (true) {
                socket.setSoTimeout(first || idleCloseMillis == 0 ? 60_000 : idleCloseMillis);
                first = false;
                Recorded request;
                try {
                    request = read(in, id);
                } catch (SocketTimeoutException idle) {
                    return;
                }
                if (request == null) {
                    return;
                }
                byte[] raw = tee.take();
                if (request.target().equals("/health")) {
                    // the balancer's active checks: answered here, not recorded
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    continue;
                }
                rawRequests.add(raw);
                requests.add(request);
                responder.respond(request, socket, out);
                if (socket.isClosed() || "close".equalsIgnoreCase(request.header("Connection"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // the peer went away or a responder broke the connection on purpose
        } finally {
            closed.incrementAndGet();
        }
    }

    private static Recorded read(InputStream in, int id) throws IOException {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        Recorded head = new Recorded(parts[0], parts[1], headers, new byte[0], id);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String coding = head.header("Transfer-Encoding");
        if (coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line(in);
                if (size == null) {
                    throw new SocketException("end of stream inside a chunked body");
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while (true) {
                        String trailer = line(in);
                        if (trailer == null || trailer.isEmpty()) {
                            break;
                        }
                    }
                    break;
                }
                body.write(in.readNBytes(n));
                line(in);
            }
        } else if (head.header("Content-Length") != null) {
            int n = Integer.parseInt(head.header("Content-Length"));
            byte[] bytes = in.readNBytes(n);
            if (bytes.length < n) {
                throw new SocketException("end of stream inside a body");
            }
            body.write(bytes);
        }
        return new Recorded(head.method(), head.target(), headers, body.toByteArray(), id);
    }

    /** Keeps a copy of every byte read through it, until taken. */
    private static final class Tee extends java.io.FilterInputStream {
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        Tee(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                copy.write(buffer, offset, n);
            }
            return n;
        }

        byte[] take() {
            byte[] bytes = copy.toByteArray();
            copy.reset();
            return bytes;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        // A thread blocked in accept() keeps the listening socket accepting until it returns, which on a
        // loaded machine can be after close() did: a connect in that window would reach a backend that
        // never answers. Waiting for the loop to end makes a closed backend refuse, as a dead one does.
        try {
            acceptorDone.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
