package dev.lb.balancer.testing;

import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.testing.Await;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real balancer for a test, in the test's JVM, on ephemeral loopback ports, in front of real
 * {@link BackendServer}s it starts and of any backend URLs the test gives; the one way tests start an
 * in-JVM balancer ({@link BalancerProcess} starts {@code Main} in a child JVM, for signals and exit
 * codes). Its admin API is on a port ({@link #adminPort()}) and, for tests that talk gRPC without a
 * socket, served in-process too ({@link #blocking()}, {@link #async()}).
 *
 * <pre>{@code
 * try (TestBalancer lb = TestBalancer.builder().backends(2).json("\"retries\": 1").start()) {
 *     assertEquals(200, lb.get("/").statusCode());
 * }
 * }</pre>
 *
 * <p>The config is {@code {"port": 0, "host": "127.0.0.1", "adminPort": 0, "servers": [...]}}, then
 * the preset's fields, then the test's own ({@link Builder#json}), each replacing what came before;
 * the {@link TestConfigs#SERVER_PROPERTY} and {@link TestConfigs#BACKEND_CLIENT_PROPERTY} choices are
 * added where the test names none. With {@link Builder#configFile} the config is written to that file
 * and loaded from it, so the balancer can reload it; otherwise it is parsed in memory.
 */
public final class TestBalancer implements AutoCloseable {
    /**
     * The health-check timeout of the presets and of {@link TestConfigs}. With the default
     * {@code unhealthyThreshold} of 1, one check slower than this takes a backend out, and on a loaded
     * 2-core machine a check takes over a second: the first one in a JVM loads OkHttp's classes, and a
     * later one can wait for a CPU as long. A backend that is down refuses the connection and fails its
     * check at once whatever this is; tests about check time-outs set their own.
     */
    public static final int CHECK_TIMEOUT_MS = 10_000;
    /**
     * {@code "healthCheck": {"timeoutMs": }{@link #CHECK_TIMEOUT_MS}{@code }, } for a config written out
     * whole, as a child process's is: its first check runs in a fresh JVM, before the proxy port opens,
     * and with the default 2 s timeout a loaded machine can fail it, so the test's first request meets 503.
     */
    public static final String GENEROUS_CHECK = "\"healthCheck\": {\"timeoutMs\": " + CHECK_TIMEOUT_MS + "}, ";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One line, {@code "key": value, ...}, as a person writes it: tests edit the file's text. */
    private static final DefaultPrettyPrinter PRINTER = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEntrySpacing(Separators.Spacing.AFTER)
            .withArrayValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance)
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance);

    private final Builder settings;
    private final List<BackendServer> servers;
    private final Balancer balancer;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** In-process admin servers and channels made on demand by test threads; closed with the balancer. */
    private final List<Server> inProcessServers = new CopyOnWriteArrayList<>();
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    private TestBalancer(Builder settings, List<BackendServer> servers, Balancer balancer) {
        this.settings = settings;
        this.servers = servers;
        this.balancer = balancer;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to start; each method returns the builder. */
    public static final class Builder {
        private int backends;
        private final List<String> urls = new ArrayList<>();
        private Preset preset = Preset.NONE;
        private String json = "";
        private String wholeConfig;
        private Path configFile;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Starts {@code count} backend servers, named {@code b1}, {@code b2}, ... (their X-Backend answer). */
        public Builder backends(int count) {
            this.backends = count;
            return this;
        }

        /** Backends the test runs itself, or URLs where nothing listens; listed after {@link #backends}'. */
        public Builder backendUrls(List<String> backendUrls) {
            urls.addAll(backendUrls);
            return this;
        }

        /**
         * Backends presumed healthy, checked at start and then hourly with a generous timeout
         * ({@link TestBalancer#CHECK_TIMEOUT_MS}), so only requests change their health unless {@link #json}
         * sets {@code healthCheckInterval}: for tests of the request path.
         */
        public Builder presumedHealthy() {
            preset = Preset.PRESUMED_HEALTHY;
            return this;
        }

        /**
         * Backends checked every second with a generous timeout ({@link TestBalancer#CHECK_TIMEOUT_MS}), a
         * removed backend drained for up to 10 s, and {@link #start} returning only once every backend was
         * checked and is UP: for tests of runtime changes.
         */
        public Builder checkedEverySecond() {
            preset = Preset.CHECKED_EVERY_SECOND;
            return this;
        }

        /** Further top-level config fields, e.g. {@code "\"retries\": 1"}; they replace the preset's. */
        public Builder json(String extraJson) {
            this.json = extraJson;
            return this;
        }

        /**
         * The whole config as the test wrote it, used as it is (with the test server's choices added):
         * for tests whose config is their subject. Backends and presets are then not used.
         */
        public Builder config(String configJson) {
            this.wholeConfig = configJson;
            return this;
        }

        /** Writes the config to this file and loads it from there, so reloads read it. */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /**
         * Loads the config file the test wrote, as it is (the test server's choices added where set), so
         * reloads read it: for tests whose file is their subject.
         */
        public Builder fromFile(Path file) throws IOException {
            this.wholeConfig = Files.readString(file);
            this.configFile = file;
            return this;
        }

        /** The clock the balancer reads (the system's by default). */
        public Builder clock(Clock balancerClock) {
            this.clock = balancerClock;
            return this;
        }

        /** Starts the backends and the balancer; stops what it started if the balancer fails to start. */
        public TestBalancer start() throws IOException, StartupException {
            List<BackendServer> started = new ArrayList<>();
            try {
                for (int i = 1; i <= backends; i++) {
                    started.add(BackendServer.start("127.0.0.1", 0, "b" + i));
                }
                Balancer balancer = new Balancer(config(started), configFile, clock).start();
                TestBalancer test = new TestBalancer(this, started, balancer);
                if (preset == Preset.CHECKED_EVERY_SECOND) {
                    test.awaitAllUp();
                }
                return test;
            } catch (IOException | StartupException | RuntimeException | Error e) {
                started.forEach(BackendServer::close);
                throw e;
            }
        }

        /**
         * Starts the balancer alone, for a test that runs its backends itself and needs none of this
         * class's helpers: closing the balancer stops all there is.
         */
        public Balancer startBalancer() throws IOException, StartupException {
            if (backends > 0) {
                throw new IllegalStateException("startBalancer() starts no backends; use start()");
            }
            return start().balancer;
        }

        private BalancerConfig config(List<BackendServer> started) throws IOException {
            List<String> all = new ArrayList<>(started.stream().map(TestBalancer::url).toList());
            all.addAll(urls);
            String text = wholeConfig != null ? TestConfigs.withTestServer(wholeConfig) : render(all, json);
            try {
                if (configFile == null) {
                    return ConfigLoader.parse(text, "test-config.json");
                }
                Files.writeString(configFile, text);
                return ConfigLoader.load(configFile);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }

        private String render(List<String> backendUrls, String extraJson) {
            ObjectNode root = JSON.createObjectNode().put("port", 0).put("host", "127.0.0.1").put("adminPort", 0);
            preset.addTo(root);
            ArrayNode list = root.putArray("servers");
            for (String url : backendUrls) {
                ObjectNode server = list.addObject().put("url", url);
                if (preset == Preset.PRESUMED_HEALTHY) {
                    server.put("healthy", true);
                }
            }
            try {
                if (!extraJson.isBlank()) {
                    root.setAll((ObjectNode) JSON.readTree("{" + extraJson + "}"));
                }
                return JSON.writer(PRINTER).writeValueAsString(JSON.readTree(TestConfigs.withTestServer(root.toString())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The settings a kind of test shares. */
    private enum Preset {
        NONE,
        PRESUMED_HEALTHY,
        CHECKED_EVERY_SECOND;

        void addTo(ObjectNode root) {
            switch (this) {
                case PRESUMED_HEALTHY -> {
                    root.put("healthCheckInterval", 3600);
                    root.putObject("healthCheck").put("timeoutMs", CHECK_TIMEOUT_MS);
                }
                case CHECKED_EVERY_SECOND -> {
                    root.put("healthCheckInterval", 1).put("drainTimeoutMs", 10000);
                    root.putObject("healthCheck").put("timeoutMs", CHECK_TIMEOUT_MS);
                }
                case NONE -> {
                }
            }
        }
    }

    public Balancer balancer() {
        return balancer;
    }

    public RuntimeControl control() {
        return balancer.control();
    }

    /** The proxy port. */
    public int port() {
        return balancer.port();
    }

    public int adminPort() {
        return balancer.adminPort();
    }

    /** The config file given to {@link Builder#configFile}; null when the config was parsed in memory. */
    public Path configFile() {
        return settings.configFile;
    }

    /** The backend servers this started, in order ({@code b1} first). */
    public List<BackendServer> servers() {
        return List.copyOf(servers);
    }

    public BackendServer server(int i) {
        return servers.get(i);
    }

    /** Starts one more backend, not yet known to the balancer; closed with it. */
    public BackendServer startAnotherServer() throws IOException {
        BackendServer server = BackendServer.start("127.0.0.1", 0, "b" + (servers.size() + 1));
        servers.add(server);
        return server;
    }

    public static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    /** A URL of a port that was just free, so nothing listens there. */
    public static String deadUrl() throws IOException {
        try (BackendServer probe = BackendServer.start("127.0.0.1", 0, "probe")) {
            return url(probe);
        }
    }

    /** The balancer's backend for a server. */
    public Backend backend(BackendServer server) {
        return backend(url(server));
    }

    /** The balancer's backend by its URL or name. */
    public Backend backend(String urlOrName) {
        return balancer.pool().find(urlOrName).orElseThrow();
    }

    /** Rewrites the config file for {@code list}, with the preset and {@code extraJson}, as {@link #start} wrote it. */
    public void writeConfig(List<BackendServer> list, String extraJson) throws IOException {
        Files.writeString(requireFile(), settings.render(list.stream().map(TestBalancer::url).toList(), extraJson));
    }

    public String configFileText() throws IOException {
        return Files.readString(requireFile());
    }

    public void writeConfigText(String text) throws IOException {
        Files.writeString(requireFile(), text);
    }

    private Path requireFile() {
        if (settings.configFile == null) {
            throw new IllegalStateException("this balancer's config was parsed in memory; give the builder a configFile");
        }
        return settings.configFile;
    }

    /** One GET through the proxy. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    /** One GET through the proxy on the HTTP client's threads. */
    public CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return http.sendAsync(request(path), HttpResponse.BodyHandlers.ofString());
    }

    /** One GET through the proxy; its status code. */
    public int status(String path) throws IOException, InterruptedException {
        return get(path).statusCode();
    }

    /** One GET through the proxy on the HTTP client's threads; completes with the status code. */
    public CompletableFuture<Integer> statusAsync(String path) {
        return getAsync(path).thenApply(HttpResponse::statusCode);
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

    /** Waits until every backend was checked and is UP: the config's "healthy" is only a guess. */
    public void awaitAllUp() {
        Await.until("every backend checked and UP", () -> balancer.pool().all().stream()
                .allMatch(b -> b.totalChecks() > 0 && b.health() == HealthState.UP));
    }

    /** A blocking stub over a fresh in-process server hosting the balancer's own admin service. */
    public AdminServiceGrpc.AdminServiceBlockingStub blocking() throws IOException {
        return AdminServiceGrpc.newBlockingStub(channel(balancer.admin().service()));
    }

    /** An async stub over a fresh in-process server hosting the balancer's own admin service. */
    public AdminServiceGrpc.AdminServiceStub async() throws IOException {
        return async(balancer.admin().service());
    }

    public AdminServiceGrpc.AdminServiceStub async(BindableService service) throws IOException {
        return AdminServiceGrpc.newStub(channel(service));
    }

    /** An in-process channel to a new server hosting {@code service}; both closed with the balancer. */
    public ManagedChannel channel(BindableService service) throws IOException {
        String name = InProcessServerBuilder.generateName();
        inProcessServers.add(InProcessServerBuilder.forName(name).addService(service).build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        channels.add(channel);
        return channel;
    }

    @Override
    public void close() {
        try {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            for (Server server : inProcessServers) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            balancer.close();
            servers.forEach(BackendServer::close);
        }
    }
}
