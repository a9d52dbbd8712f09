package dev.lb.balancer.control;

import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.testing.Await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * A real balancer started from a real config file, in front of real {@link BackendServer}s, all on
 * ephemeral ports; plus the few client helpers the runtime tests share.
 */
public final class LiveBalancer implements AutoCloseable {
    private final Path configFile;
    private final List<BackendServer> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Balancer balancer;

    private LiveBalancer(Path dir) {
        this.configFile = dir.resolve("balancer.json");
    }

    /**
     * Starts {@code backendCount} backends and a balancer for them, and waits until all are UP.
     *
     * @param extraJson further top-level fields, e.g. {@code "\"algorithm\": \"round-robin\""}, or ""
     */
    public static LiveBalancer start(Path dir, int backendCount, String extraJson)
            throws IOException, ConfigException, StartupException {
        LiveBalancer live = new LiveBalancer(dir);
        for (int i = 0; i < backendCount; i++) {
            live.servers.add(BackendServer.start("127.0.0.1", 0, null));
        }
        live.writeConfig(live.servers, extraJson);
        live.balancer = new Balancer(ConfigLoader.load(live.configFile), live.configFile).start();
        live.awaitAllUp();
        return live;
    }

    public Balancer balancer() {
        return balancer;
    }

    public RuntimeControl control() {
        return balancer.control();
    }

    public Path configFile() {
        return configFile;
    }

    public BackendServer server(int i) {
        return servers.get(i);
    }

    /** Starts one more backend, not yet known to the balancer. */
    public BackendServer startAnotherServer() throws IOException {
        BackendServer server = BackendServer.start("127.0.0.1", 0, null);
        servers.add(server);
        return server;
    }

    public static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    /** The balancer's backend for a server. */
    public Backend backend(BackendServer server) {
        return balancer.pool().find(url(server)).orElseThrow();
    }

    /** Writes the config file for {@code servers}; each with weight 1 and known by its URL. */
    public void writeConfig(List<BackendServer> list, String extraJson) throws IOException {
        String serverJson = list.stream().map(s -> "{\"url\": \"" + url(s) + "\"}").collect(Collectors.joining(", "));
        String extra = extraJson.isBlank() ? "" : ", " + extraJson;
        String interval = extraJson.contains("\"healthCheckInterval\"") ? "" : "\"healthCheckInterval\": 1, ";
        Files.writeString(configFile, "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, " + interval
                + "\"drainTimeoutMs\": 10000, \"servers\": [" + serverJson + "]" + extra + "}");
    }

    public String configFileText() throws IOException {
        return Files.readString(configFile);
    }

    public void writeConfigText(String text) throws IOException {
        Files.writeString(configFile, text);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} sequential GETs and counts the answers by the X-Backend header (non-200s as "HTTP n"). */
    public Map<String, Integer> spread(int n) throws IOException, InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> response = get("/spread");
            String who = response.statusCode() == 200
                    ? response.headers().firstValue("X-Backend").orElse("?")
                    : "HTTP " + response.statusCode();
            counts.merge(who, 1, Integer::sum);
        }
        return counts;
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
    }

    public void awaitAllUp() {
        // The config's "healthy" is only a guess: wait for a real check of each backend.
        Await.until("every backend checked and UP", () -> balancer.pool().all().stream()
                .allMatch(b -> b.totalChecks() > 0 && b.health() == HealthState.UP));
    }

    @Override
    public void close() {
        if (balancer != null) {
            balancer.close();
        }
        servers.forEach(BackendServer::close);
    }
}
