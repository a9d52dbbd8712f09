package dev.lb.balancer.accesslog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.lb.testing.Await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One correct line per request through a real balancer, tied to the client's answer by its request ID. */
class AccessLogTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private ScriptedBackend backend;
    private Balancer balancer;

    @AfterEach
    void stop() throws IOException {
        if (balancer != null) {
            balancer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private Path start(String backendUrl, String extra) throws StartupException, IOException {
        Path log = dir.resolve("access.log");
        balancer = TestBalancer.builder().backendUrls(List.of(backendUrl)).presumedHealthy().json("\"accessLog\": {\"path\": " + JSON.valueToTree(log.toString())
                + ", \"format\": \"json\"}" + (extra.isEmpty() ? "" : ", " + extra)).startBalancer();
        return log;
    }

    @Test
    void everyRequestUnderConcurrentLoadGetsExactlyOneLineWithItsId() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("hello"));
        Path log = start(backend.url(), "");
        int clients = 8;
        int perClient = 50;
        Map<String, String> pathById = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (RawHttp http = new RawHttp(balancer.port())) {
                        for (int i = 0; i < perClient; i++) {
                            String path = "/c" + client + "/r" + i;
                            http.send("GET " + path + " HTTP/1.1\r\nHost: h\r\nUser-Agent: load/1\r\n\r\n");
                            RawResponse response = http.read("GET");
                            pathById.put(response.header("X-Request-Id"), path);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        int total = clients * perClient;
        Await.until(total + " lines", DEADLINE, () -> lines(log).size() >= total);
        List<String> lines = lines(log);
        assertEquals(total, lines.size());
        Map<String, String> logged = new HashMap<>();
        for (String line : lines) {
            JsonNode json = JSON.readTree(line);
            assertEquals(200, json.get("status").intValue(), line);
            assertEquals(5, json.get("bytesOut").intValue(), line);
            assertEquals("load/1", json.get("userAgent").textValue());
            assertEquals(backend.url(), json.get("backend").textValue());
            assertEquals("", json.get("error").textValue());
            logged.put(json.get("requestId").textValue(), json.get("path").textValue());
        }
        assertEquals(pathById, logged);
    }

    @Test
    void aRequestBodyIsCountedInBytesIn() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("ok"));
        Path log = start(backend.url(), "");
        try (RawHttp http = new RawHttp(balancer.port())) {
            http.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            assertEquals(200, http.read("POST").status());
        }
        Await.until("one line", DEADLINE, () -> lines(log).size() == 1);
        JsonNode json = JSON.readTree(lines(log).get(0));
        assertEquals(11, json.get("bytesIn").intValue());
        assertEquals("POST", json.get("method").textValue());
    }

    @Test
    void aRefusedBackendIsLoggedWithItsErrorAndTheIdTheClientGot() throws Exception {
        int dead;
        try (ServerSocket socket = new ServerSocket(0)) {
            dead = socket.getLocalPort();
        }
        Path log = start("http://127.0.0.1:" + dead, "\"retries\": 0");
        RawResponse response;
        try (RawHttp http = new RawHttp(balancer.port())) {
            http.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
            response = http.read("GET");
        }
        Await.until("one line", DEADLINE, () -> lines(log).size() == 1);
        JsonNode json = JSON.readTree(lines(log).get(0));
        assertEquals(response.status(), json.get("status").intValue());
        assertEquals(response.header("X-Request-Id"), json.get("requestId").textValue());
        assertTrue(List.of("refused", "no-backend", "unreachable").contains(json.get("error").textValue()), json.toString());
        assertEquals(response.body().length, json.get("bytesOut").intValue());
    }

    @Test
    void anAccessLogThatCannotBeOpenedStopsTheStartInOneLine() throws Exception {
        backend = new ScriptedBackend(ScriptedBackend.ok("x"));
        Path bad = dir.resolve("missing").resolve("access.log");
        StartupException e = assertThrows(StartupException.class, () -> TestBalancer.builder().backendUrls(List.of(backend.url())).presumedHealthy().json("\"accessLog\": {\"path\": " + JSON.valueToTree(bad.toString()) + "}").startBalancer());
        assertTrue(e.getMessage().startsWith("accessLog.path " + bad + ": cannot open"), e.getMessage());
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
