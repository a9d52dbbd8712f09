import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * Bench-only shim around Jetty's provider of the com.sun.net.httpserver API (jetty-http-spi 12.1.x).
 * Jetty's {@code setExecutor} starts its server at once, before {@code start()} has bound the listening
 * connector, so a server configured in the usual order (create, setExecutor, createContext, start)
 * never listens. This shim keeps the executor instead of handing it on, and Jetty runs on its own
 * thread pool: the balancer's executor starts the request-head clock (RequestHeadTimeout) for every task
 * it runs, which suits the JDK server (it runs only exchanges there) but would interrupt Jetty's
 * long-running acceptor and selector tasks after {@code requestHeadMs} and close its listening socket.
 * Jetty's own idle timeout guards slow clients instead. Selected with
 * {@code -Dcom.sun.net.httpserver.HttpServerProvider=StartThenExecutorProvider}.
 */
public final class StartThenExecutorProvider extends HttpServerProvider {
    private final HttpServerProvider jetty = new org.eclipse.jetty.http.spi.JettyHttpServerProvider();

    @Override
    public HttpServer createHttpServer(InetSocketAddress address, int backlog) throws IOException {
        return new Deferred(jetty.createHttpServer(address, backlog));
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress address, int backlog) throws IOException {
        return jetty.createHttpsServer(address, backlog);
    }

    private static final class Deferred extends HttpServer {
        private final HttpServer server;
        private Executor executor;

        Deferred(HttpServer server) {
            this.server = server;
        }

        @Override
        public void bind(InetSocketAddress address, int backlog) throws IOException {
            server.bind(address, backlog);
        }

        @Override
        public void start() {
            server.start();
        }

        @Override
        public void setExecutor(Executor executor) {
            this.executor = executor;
        }

        @Override
        public Executor getExecutor() {
            return executor;
        }

        @Override
        public void stop(int delay) {
            server.stop(delay);
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
}
