package dev.lb.cli;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every {@code buf curl} example of docs/admin-api.md, word for word but for the addresses, against
 * a real balancer: the examples are for operators without grpcurl, so they must work as written. Needs
 * the Buf CLI ({@code buf} on the PATH, or its path in {@code BUF}; CI installs it from npm); skipped
 * without it.
 */
class AdminApiExamplesTest {
    @TempDir
    Path dir;
    private final List<BackendServer> backends = new ArrayList<>();
    private Balancer balancer;

    @AfterEach
    void tearDown() {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(BackendServer::close);
    }

    @Test
    void everyBufCurlExampleWorksAgainstARealBalancer() throws Exception {
        Optional<Path> buf = buf();
        Assumptions.assumeTrue(buf.isPresent(), "the Buf CLI is not installed (npm install -g @bufbuild/buf, or set BUF"
                + " to its path); the buf curl examples of docs/admin-api.md are not run here");
        List<String> examples = examples();
        assertTrue(examples.size() >= 14, "found the examples: " + examples);
        start(3);

        for (String example : examples) {
            String command = localize(example);
            if (command.endsWith("/Watch")) {
                assertStreams(buf.get(), command, "\"snapshot\"");
                continue;
            }
            Result result = run(buf.get(), command);
            if (command.contains("nowhere")) { // the documented refusal
                assertNotEquals(0, result.exit, example);
                assertTrue(result.err.contains("\"code\": \"not_found\""), example + "\n" + result.err);
                continue;
            }
            assertEquals(0, result.exit, example + "\nstdout: " + result.out + "\nstderr: " + result.err);
            if (command.contains("--list-")) {
                assertTrue(result.out.contains("lb.admin.v1.AdminService"), result.out);
            }
        }
        assertTrue(balancer.pool().find("app-7").isEmpty(), "the added backend was removed again");
    }

    /** The "$ buf curl" lines of the doc's buf curl section, in order. */
    private static List<String> examples() throws IOException {
        String doc = Files.readString(repoFile("docs/admin-api.md"));
        Matcher section = Pattern.compile("## `buf curl`(.*?)(?:\n## |\\z)", Pattern.DOTALL).matcher(doc);
        assertTrue(section.find(), "docs/admin-api.md has a \"buf curl\" section");
        return section.group(1).lines().filter(l -> l.startsWith("$ buf curl ")).map(l -> l.substring(2)).toList();
    }

    /** The doc's addresses replaced by this test's: admin API, and backends 8001 to 8003 in config order. */
    private String localize(String example) {
        String command = example.replace("http://localhost:9090", "http://127.0.0.1:" + balancer.adminPort());
        for (int i = 0; i < backends.size(); i++) {
            command = command.replace("http://localhost:800" + (i + 1), url(backends.get(i)));
        }
        return command;
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(Path buf, String command) throws Exception {
        Process process = shell(buf, command).start();
        CompletableFuture<String> err = read(process.getErrorStream());
        String out = read(process.getInputStream()).get(Await.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(process.waitFor(Await.WAIT.toSeconds(), TimeUnit.SECONDS), "did not end: " + command);
        return new Result(process.exitValue(), out, err.get(Await.WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    /** A stream that runs until cancelled: it must deliver {@code expected}, then it is stopped. */
    private static void assertStreams(Path buf, String command, String expected) throws IOException {
        Process process = shell(buf, command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] chunk = new byte[4096];
                for (int n; (n = in.read(chunk)) > 0; ) {
                    synchronized (out) {
                        out.write(chunk, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process was stopped
            }
        }, "test-buf-watch-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            Await.until(expected + " from " + command, () -> {
                synchronized (out) {
                    return out.toString(StandardCharsets.UTF_8).contains(expected);
                }
            });
        } finally {
            process.destroy();
        }
    }

    /** bash runs the example as written; buf's directory comes first on the PATH. */
    private static ProcessBuilder shell(Path buf, String command) {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command);
        builder.environment().put("PATH", buf.getParent() + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        return builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        });
    }

    private static Optional<Path> buf() {
        String explicit = System.getenv("BUF");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return Optional.of(Path.of(explicit).toAbsolutePath());
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, "buf"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static Path repoFile(String path) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(path))) {
                return d.resolve(path);
            }
        }
        throw new IllegalStateException("no " + path + " above " + Path.of("").toAbsolutePath());
    }

    private void start(int count) throws Exception {
        while (backends.size() < count) {
            backends.add(BackendServer.start("127.0.0.1", 0, "b" + (backends.size() + 1)));
        }
        Path config = dir.resolve("lb.json");
        Files.writeString(config, "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": ["
                + backends.stream().map(b -> "{\"url\": \"" + url(b) + "\"}").collect(Collectors.joining(", "))
                + "], \"healthCheckInterval\": 1, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + "}}");
        balancer = TestBalancer.builder().fromFile(config).startBalancer();
        Await.until("every backend UP", () -> balancer.pool().all().stream().allMatch(b -> b.health() == HealthState.UP));
    }

    private static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }
}
