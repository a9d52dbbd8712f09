package dev.lb.backendserver;

import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private BackendServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthCanBeFailedAndRecoveredAtRuntime() throws Exception {
        server = BackendServer.start("127.0.0.1", 0, "b1");
        assertEquals(200, send("GET", "/health").statusCode());

        assertEquals(200, send("POST", "/control/health/down").statusCode());
        assertEquals(503, send("GET", "/health").statusCode());
        assertEquals(200, send("GET", "/anything").statusCode(), "only /health fails");

        send("POST", "/control/health/up");
        assertEquals(200, send("GET", "/health").statusCode());
    }

    @Test
    void anyOtherPathNamesTheServer() throws Exception {
        server = BackendServer.start("127.0.0.1", 0, null);

        HttpResponse<String> response = send("GET", "/some/path?q=1");

        assertEquals("Hello from server-" + server.port() + " (GET /some/path?q=1)\n", response.body());
        assertEquals("server-" + server.port(), response.headers().firstValue("X-Backend").orElseThrow());
        assertEquals(1, server.requests());
    }

    @Test
    void bytesEchoAndSinkServeTheirBodies() throws Exception {
        server = BackendServer.start("127.0.0.1", 0, "b");

        assertEquals(100_000, send("GET", "/bytes/100000").body().length());
        HttpResponse<String> echo = http.send(request("/echo").POST(HttpRequest.BodyPublishers.ofString("ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("ping", echo.body());
        HttpResponse<String> sink = http.send(request("/sink").POST(HttpRequest.BodyPublishers.ofString("abc")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("bytes=3 crc32=352441c2\n", sink.body());
        assertEquals(418, send("GET", "/status/418").statusCode());
    }

    @Test
    void stopLetsTheRequestInFlightFinishAndRefusesNewConnections() throws Exception {
        server = BackendServer.start("127.0.0.1", 0, "b");
        int port = server.port();
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(request("/delay/1000").build(),
                HttpResponse.BodyHandlers.ofString());
        Await.until("the request in the handler", () -> server.inFlight() == 1);

        long start = System.nanoTime();
        server.stop(Duration.ofSeconds(20));

        HttpResponse<String> answer = slow.get(Await.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode());
        assertEquals("b answered after 1000 ms\n", answer.body());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(15).toNanos(), "returned once nothing was in flight");
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "new connections refused");
    }

    @Test
    void busyPortIsOneClearErrorAndExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            StringWriter err = new StringWriter();
            PrintWriter errWriter = new PrintWriter(err);
            java.io.PrintStream original = System.err;
            java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(captured, true));
            int code;
            try {
                code = new CommandLine(new BackendServerMain()).setErr(errWriter)
                        .execute("--port", Integer.toString(taken.getLocalPort()));
            } finally {
                System.setErr(original);
            }
            assertEquals(1, code);
            String message = captured.toString();
            assertTrue(message.startsWith("backend-server: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": port already in use"), message);
            assertEquals(1, message.strip().lines().count(), message);
        }
    }

    @Test
    void portOutOfRangeIsAUsageError() {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            assertEquals(2, new CommandLine(new BackendServerMain()).execute("--port", "70000"));
        } finally {
            System.setErr(original);
        }
        assertTrue(captured.toString().contains("--port 70000 is out of range"), captured.toString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
