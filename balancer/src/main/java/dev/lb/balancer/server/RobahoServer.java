package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * robaho's {@code httpserver} (io.github.robaho:httpserver) behind the {@code com.sun.net.httpserver} API.
 * Its classes are compiled for Java 21, so they are reached only by name, through its provider, once the
 * config chose this server on a JVM that can load them: this class itself loads on Java 17.
 *
 * <p>How it runs, from its source (1.0.29): one dispatcher thread only accepts, and hands each connection
 * to the executor as one task that reads and handles every request of that connection with blocking
 * I/O. So the executor must make a thread per connection cheap (virtual threads), and the request-head
 * clock runs per request on the connection's thread ({@link RequestHeadTimeout#wrapConnections}).
 * Its own idle and request-time limits measure silence, not a total; its head parser has no size limit
 * (docs/performance.md, "robaho's server").
 *
 * <p>This wrapper exists for {@link #stop(int)}: robaho's sleeps the whole delay before it closes the
 * connections, even when no request is left, and cannot be cut short.
 */
final class RobahoServer extends HttpServer {
    static final String PROVIDER = "robaho.net.httpserver.DefaultHttpServerProvider";

    private final HttpServer server;
    /** Counted down by {@code stop(0)}: a waiting {@code stop(delay)} returns then. */
    private final CountDownLatch stoppedNow = new CountDownLatch(1);

    private RobahoServer(HttpServer server) {
        this.server = server;
    }

    /** A bound, not yet started server; {@code BindException} when the address is in use. */
    static RobahoServer open(InetSocketAddress address, int backlog) throws IOException {
        return new RobahoServer(provider().createHttpServer(address, backlog));
    }

    private static HttpServerProvider provider() throws IOException {
        try {
            return (HttpServerProvider) Class.forName(PROVIDER).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IOException("robaho's HTTP server is not usable here (" + e + "); use \"server\": \"jdk\"", e);
        }
    }

    /** The class serving underneath, for tests and the start-up line. */
    String implementation() {
        return server.getClass().getName();
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        server.bind(address, backlog);
    }

    @Override
    public void start() {
        server.start();
    }

    /** Each task is a whole connection (see the class comment). */
    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    /**
     * {@code stop(0)} closes the listener and every connection at once. A {@code stop(delay)} closes the
     * listener at once and returns when a {@code stop(0)} has run or after the delay, when robaho's own
     * stop closes the connections; robaho's stop runs on a daemon thread of its own, which sleeps out the
     * delay (in 200 ms steps) and then finds nothing left to close.
     */
    @Override
    public void stop(int delay) {
        if (delay <= 0) {
            server.stop(0);
            stoppedNow.countDown();
            return;
        }
        Thread stopping = new Thread(() -> server.stop(delay), "robaho-server-stop");
        stopping.setDaemon(true);
        stopping.start();
        try {
            if (!stoppedNow.await(delay, TimeUnit.SECONDS)) {
                stopping.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return server.createContext(path, handler);
    }

    @Override
    public HttpContext createContext(String path) {
        return server.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }
}
