package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.config.ExecutorKind;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.lb.balancer.config.ServerKind;
import dev.lb.balancer.config.TimeoutConfig;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Creates the server for the proxy port, by the config's {@code server} choice, always explicitly.
 *
 * <p>{@code HttpServer.create} asks {@code HttpServerProvider.provider()}, which takes the system property
 * {@code com.sun.net.httpserver.HttpServerProvider} first, then the first provider ServiceLoader finds on
 * the class path, then the JDK's own; and it keeps that choice for the life of the JVM. Jetty's
 * {@code jetty-http-spi} jar registers its provider as a service, so with it on the class path every
 * {@code HttpServer.create} in the process (this proxy, the metrics endpoint) would silently become
 * Jetty. {@link #preferJdkProvider()} names the JDK's provider in that property before any server is
 * created, and the shaded jar leaves Jetty's service entry out as well; Jetty's server is only ever
 * built by {@link JettyServer}, on request.
 */
public final class HttpServers {
    static final String PROVIDER_PROPERTY = "com.sun.net.httpserver.HttpServerProvider";
    /** Not exported by jdk.httpserver, but loaded by that module itself when named in the property. */
    static final String JDK_PROVIDER = "sun.net.httpserver.DefaultHttpServerProvider";

    /**
     * Threads Jetty's pool may grow to: one per request in flight (the proxy blocks on its backend), as
     * the JDK server's growing pool allows; beyond it requests wait in Jetty's queue. Jetty reads heads
     * and keeps idle connections without a thread, so this bounds requests in flight, not connections.
     */
    static final int OWN_POOL_MAX_THREADS = 1024;

    private HttpServers() {
    }

    /** Makes {@code HttpServer.create} the JDK's server unless the operator named a provider with {@code -D}. */
    public static void preferJdkProvider() {
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, JDK_PROVIDER);
        }
    }

    /**
     * A bound, not yet started server.
     *
     * @param timeouts client timeouts, for a server that enforces them itself (Jetty)
     * @param workerThreads the config's {@code workerThreads}; a server with its own pool (Jetty) runs
     *                      requests on up to {@link #OWN_POOL_MAX_THREADS} or this many threads
     * @throws java.net.BindException when the address is in use
     */
    public static HttpServer create(ServerKind kind, InetSocketAddress address, int backlog, TimeoutConfig timeouts,
                                    int workerThreads) throws IOException {
        return switch (kind) {
            case JDK -> HttpServer.create(address, backlog);
            case JETTY -> JettyServer.create(address, backlog, timeouts,
                    Math.max(OWN_POOL_MAX_THREADS, workerThreads));
            case ROBAHO -> RobahoServer.open(address, backlog);
            case AUTO -> create(kind.resolve(Runtime.version().feature()), address, backlog, timeouts, workerThreads);
        };
    }

    /**
     * The executor a server of {@code kind} gets: the config's, except for robaho's server, which runs a
     * whole connection per task and needs virtual threads for that (a platform thread per keep-alive
     * connection, and the client timeouts interrupt blocked socket reads, which closes the socket only
     * on a virtual thread).
     */
    public static ExecutorKind executorFor(ServerKind kind, ExecutorKind configured) {
        return kind == ServerKind.ROBAHO ? ExecutorKind.VIRTUAL : configured;
    }

    /** Whether {@code server} runs a whole connection, every request of it, as one executor task. */
    public static boolean runsConnectionPerTask(HttpServer server) {
        return server instanceof RobahoServer;
    }

    /**
     * A bound, not yet started HTTPS server, from the provider in effect ({@code HttpsServer.create}),
     * with {@code tls} deciding each connection's TLS parameters.
     *
     * @throws java.net.BindException when the address is in use
     */
    public static HttpsServer createHttps(InetSocketAddress address, int backlog, HttpsConfigurator tls)
            throws IOException {
        HttpsServer server = HttpsServer.create(address, backlog);
        server.setHttpsConfigurator(tls);
        return server;
    }

    /** Whether {@code server} runs its exchanges on the executor given to {@code setExecutor}. */
    public static boolean usesGivenExecutor(HttpServer server) {
        return !(server instanceof JettyServer);
    }

    /** For the start-up line: which implementation serves, and on which threads. */
    public static String describe(HttpServer server, String executorDescription) {
        if (server instanceof JettyServer jetty) {
            return jetty.describe();
        }
        if (server instanceof RobahoServer) {
            return "robaho server, a virtual thread per connection";
        }
        String implementation = server.getClass().getName();
        return implementation.startsWith("sun.net.httpserver.")
                ? "JDK server, " + executorDescription
                : implementation + " (from -D" + PROVIDER_PROPERTY + "), " + executorDescription;
    }
}
