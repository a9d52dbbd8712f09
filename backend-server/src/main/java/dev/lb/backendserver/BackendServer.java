package dev.lb.backendserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A small backend for demos, tests and benchmarks. Endpoints:
 * <ul>
 *   <li>{@code GET /health}: 200 while healthy, 503 after {@code POST /control/health/down}
 *       (until {@code POST /control/health/up})</li>
 *   <li>{@code /delay/MS}: answers after MS milliseconds</li>
 *   <li>{@code /bytes/N}: streams N bytes (a repeating pattern)</li>
 *   <li>{@code /echo}: streams the request body back</li>
 *   <li>{@code /sink}: reads the request body, answers its length and CRC32</li>
 *   <li>{@code /status/CODE}: answers that status</li>
 *   <li>anything else: 200 with one line naming this server</li>
 * </ul>
 */
public final class BackendServer implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ServerChoice kind;
    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();

    private BackendServer(String name, HttpServer server, ExecutorService executor, ServerChoice kind) {
        this.name = name;
        this.server = server;
        this.executor = executor;
        this.kind = kind;
    }

    /** Binds {@code host:port} (0 for any free port) and starts serving, on the JDK's server. */
    public static BackendServer start(String host, int port, String name) throws IOException {
        return start(host, port, name, ServerChoice.JDK);
    }

    /**
     * Binds {@code host:port} (0 for any free port) and starts serving on the server {@code choice}
     * resolves to on this JVM.
     *
     * @throws IllegalArgumentException when the choice cannot run on this JVM (robaho's before Java 21)
     */
    public static BackendServer start(String host, int port, String name, ServerChoice choice) throws IOException {
        ServerChoice kind = choice.resolve(Runtime.version().feature());
        defaultProperty("sun.net.httpserver.nodelay", "true");
        defaultProperty("robaho.net.httpserver.nodelay", "true");
        // The JDK's default of 200 idle connections closes keep-alive connections right after their
        // answer once more than 200 clients are busy, under clients about to reuse them (115 read errors
        // in 10 s at 200 connections). Idle connections hold no thread; the idle timeout still closes them.
        defaultProperty("sun.net.httpserver.maxIdleConnections", "1000000");
        HttpServer server = kind.create(new InetSocketAddress(host, port), 1024);
        String serverName = name == null ? "server-" + server.getAddress().getPort() : name;
        ExecutorService executor = kind.executor(serverName);
        BackendServer backend = new BackendServer(serverName, server, executor, kind);
        server.setExecutor(executor);
        server.createContext("/", backend::handle);
        server.start();
        return backend;
    }

    /** Read once when the JDK's HttpServer first loads; an operator's -D setting wins. */
    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Makes {@code /health} answer 200 (true) or 503 (false). */
    public void setHealthy(boolean value) {
        healthy.set(value);
    }

    /** Requests served, health checks excluded. */
    public long requests() {
        return requests.get();
    }

    /** Requests being served right now, health checks excluded. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Stops at once: requests in flight are cut off, as when the process dies. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * Stops cleanly: closes the listening socket, so new connections are refused (a balancer then
     * tries another backend), lets the requests in flight finish for up to {@code grace}, rounded up
     * to whole seconds, then closes what is left. Returns as soon as nothing is in flight.
     */
    public void stop(Duration grace) {
        long seconds = grace.isNegative() ? 0 : grace.plusNanos(999_999_999).toSeconds();
        int delay = (int) Math.min(Integer.MAX_VALUE, seconds);
        if (kind == ServerChoice.ROBAHO) {
            stopRobaho(delay);
        } else {
            server.stop(delay);
        }
        executor.shutdownNow();
    }

    /**
     * robaho's {@code stop(delay)} closes the listener at once but then sleeps the whole delay, even with
     * nothing in flight; so it runs on a thread of its own, and {@code stop(0)} closes what is left as
     * soon as this server's own count of requests in flight is zero.
     */
    private void stopRobaho(int delay) {
        Thread closing = new Thread(() -> server.stop(delay), "backend-" + name + "-stop");
        closing.setDaemon(true);
        closing.start();
        long deadline = System.nanoTime() + delay * 1_000_000_000L;
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling the in-flight count: a shutdown path, not a request path
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
    }

    /** The server that serves, as resolved on this JVM (never {@code AUTO}). */
    public ServerChoice serverKind() {
        return kind;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        try (exchange) {
            exchange.getResponseHeaders().set("X-Backend", name);
            if (path.equals("/health")) {
                health(exchange);
                return;
            }
            if (path.startsWith("/control/")) {
                control(exchange, path);
                return;
            }
            requests.incrementAndGet();
            inFlight.incrementAndGet();
            try {
                serve(exchange, path);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        boolean ok = healthy.get();
        text(exchange, ok ? 200 : 503, ok ? "ok\n" : "unhealthy\n");
    }

    private void control(HttpExchange exchange, String path) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            text(exchange, 405, "use POST\n");
            return;
        }
        switch (path) {
            case "/control/health/down" -> healthy.set(false);
            case "/control/health/up" -> healthy.set(true);
            default -> {
                text(exchange, 404, "unknown control; use /control/health/down or /control/health/up\n");
                return;
            }
        }
        text(exchange, 200, name + " health is now " + (healthy.get() ? "up" : "down") + "\n");
    }

    private void serve(HttpExchange exchange, String path) throws IOException {
        if (path.startsWith("/delay/")) {
            long millis = number(path, "/delay/");
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            text(exchange, 200, name + " answered after " + millis + " ms\n");
        } else if (path.startsWith("/bytes/")) {
            bytes(exchange, number(path, "/bytes/"));
        } else if (path.equals("/echo")) {
            echo(exchange);
        } else if (path.equals("/sink")) {
            sink(exchange);
        } else if (path.startsWith("/status/")) {
            int code = (int) number(path, "/status/");
            text(exchange, code, name + " answered " + code + "\n");
        } else {
            drain(exchange.getRequestBody());
            text(exchange, 200, "Hello from " + name + " (" + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI() + ")\n");
        }
    }

    private static long number(String path, String prefix) {
        try {
            return Long.parseLong(path.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void bytes(HttpExchange exchange, long count) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        if (exchange.getRequestMethod().equals("HEAD")) {
            // HttpServer writes no Content-Length for HEAD itself; announce what GET would send.
            exchange.getResponseHeaders().set("Content-Length", Long.toString(count));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, count == 0 ? -1 : count);
        byte[] chunk = new byte[CHUNK];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) i;
        }
        try (OutputStream out = exchange.getResponseBody()) {
            for (long left = count; left > 0; ) {
                int n = (int) Math.min(left, chunk.length);
                out.write(chunk, 0, n);
                left -= n;
            }
        }
    }

    private static void echo(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            exchange.getResponseHeaders().set("Content-Type", type);
        }
        exchange.sendResponseHeaders(200, 0);
        try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
        }
    }

    private static void sink(HttpExchange exchange) throws IOException {
        CRC32 crc = new CRC32();
        long total = 0;
        byte[] buffer = new byte[CHUNK];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                crc.update(buffer, 0, n);
                total += n;
            }
        }
        text(exchange, 200, "bytes=" + total + " crc32=" + Long.toHexString(crc.getValue()) + "\n");
    }

    private static void drain(InputStream in) throws IOException {
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        boolean noBody = status == 204 || status == 304 || status < 200 || exchange.getRequestMethod().equals("HEAD");
        if (noBody) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
