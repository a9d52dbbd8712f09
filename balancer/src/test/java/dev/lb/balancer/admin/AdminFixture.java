package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.config.ConfigLoader;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

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
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real balancer in front of real backends on ephemeral ports, with its admin service also served
 * in-process so tests talk gRPC without a socket.
 */
final class AdminFixture implements AutoCloseable {
    final List<BackendServer> backends = new ArrayList<>();
    final Balancer balancer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    /**
     * @param liveBackends backends to start
     * @param deadUrls     extra backend URLs where nothing listens
     * @param extraConfig  further top-level config fields, e.g. {@code "\"algorithm\": \"round-robin\""}
     */
    AdminFixture(int liveBackends, List<String> deadUrls, String extraConfig) throws Exception {
        this(liveBackends, deadUrls, extraConfig, null);
    }

    /**
     * @param configFile where to write the config and load it from, so the balancer can reload it; null
     *                   to parse it in memory
     */
    AdminFixture(int liveBackends, List<String> deadUrls, String extraConfig, Path configFile) throws Exception {
        for (int i = 0; i < liveBackends; i++) {
            backends.add(BackendServer.start("127.0.0.1", 0, "b" + (i + 1)));
        }
        List<String> urls = new ArrayList<>(backends.stream().map(AdminFixture::url).toList());
        urls.addAll(deadUrls);
        String servers = urls.stream().map(u -> "{\"url\": \"" + u + "\"}").collect(Collectors.joining(", "));
        String json = "{\"port\": 0, \"host\": \"127.0.0.1\", \"adminPort\": 0, \"servers\": [" + servers + "]"
                + (extraConfig.isEmpty() ? "" : ", " + extraConfig) + "}";
        if (configFile == null) {
            balancer = new Balancer(ConfigLoader.parse(json, "test-config")).start();
        } else {
            Files.writeString(configFile, json);
            balancer = new Balancer(ConfigLoader.load(configFile), configFile).start();
        }
    }

    static String url(BackendServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    /** A URL of a port that was just free, so nothing listens there. */
    static String deadUrl() throws IOException {
        try (BackendServer probe = BackendServer.start("127.0.0.1", 0, "probe")) {
            return url(probe);
        }
    }

    Backend backend(String url) {
        return balancer.pool().find(url).orElseThrow();
    }

    /** A blocking stub over a fresh in-process server hosting the balancer's own admin service. */
    AdminServiceGrpc.AdminServiceBlockingStub blocking() throws IOException {
        return AdminServiceGrpc.newBlockingStub(channel(balancer.admin().service()));
    }

    AdminServiceGrpc.AdminServiceStub async() throws IOException {
        return async(balancer.admin().service());
    }

    AdminServiceGrpc.AdminServiceStub async(BindableService service) throws IOException {
        return AdminServiceGrpc.newStub(channel(service));
    }

    /** An in-process channel to a server hosting {@code service}. */
    ManagedChannel channel(BindableService service) throws IOException {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).addService(service).build().start());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        channels.add(channel);
        return channel;
    }

    /** One GET through the proxy on a background thread; completes with the status code. */
    java.util.concurrent.CompletableFuture<Integer> getAsync(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    /** One GET through the proxy; returns the status code. */
    int get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + balancer.port() + path))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        balancer.close();
        backends.forEach(BackendServer::close);
    }
}
