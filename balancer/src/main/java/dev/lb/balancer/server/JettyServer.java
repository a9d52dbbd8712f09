package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.lb.balancer.config.TimeoutConfig;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * Jetty 12's server behind the {@code com.sun.net.httpserver} API ({@code jetty-http-spi}), built
 * directly rather than through Jetty's provider, so it is configured here and nowhere else:
 * <ul>
 *   <li>Its own thread pool. {@link #setExecutor} is ignored: the balancer's executor starts the
 *       request-head clock ({@link RequestHeadTimeout}) for every task, and Jetty's tasks include its
 *       acceptor and selectors, which that clock would interrupt. (Jetty's own {@code setExecutor} also
 *       restarts the server before {@code start()} has bound it.) Jetty reads request heads in its
 *       selectors, so a slow client holds no thread.</li>
 *   <li>Client timeouts as Jetty's idle timeouts: {@code requestHeadMs} for a connection between
 *       requests and while its head arrives (a silence, not a total as on the JDK server),
 *       {@code requestBodyIdleMs} once a request is being handled. Waiting for the backend is not
 *       idleness: the backend's own {@code readMs} bounds that.</li>
 *   <li>A graceful {@link #stop(int)}: the listener closes at once, requests in flight get the delay.</li>
 * </ul>
 */
final class JettyServer extends HttpServer {
    /** As the JDK server's cap ({@code sun.net.httpserver.maxReqHeaderSize}); ProxyHandler answers 431 far below. */
    static final int MAX_REQUEST_HEAD_BYTES = 128 * 1024;
    /**
     * Jetty's RFC 9110 parsing, made to agree with the JDK server where they differ: an absolute-form
     * target's authority replaces a different Host (RFC 9112 3.2.2; Jetty refuses it by default), and a
     * bare LF never ends a head or chunk line (Jetty accepts it by default; the JDK server does not, and
     * two parsers that disagree on line ends are how requests get smuggled).
     */
    static final HttpCompliance COMPLIANCE = HttpCompliance.RFC9110
            .with("balancer", HttpCompliance.Violation.MISMATCHED_AUTHORITY)
            .without("balancer", HttpCompliance.Violation.LF_HEADER_TERMINATION,
                    HttpCompliance.Violation.LF_CHUNK_TERMINATION);
    /** Threads kept when idle; the pool grows to the configured maximum with the requests in flight. */
    static final int MIN_THREADS = 8;

    private final Server jetty;
    private final JettyHttpServer api;
    private final ServerConnector connector;
    private final QueuedThreadPool threads;
    private final ProxyRequests requests;

    private JettyServer(Server jetty, JettyHttpServer api, ServerConnector connector, QueuedThreadPool threads,
                        ProxyRequests requests) {
        this.jetty = jetty;
        this.api = api;
        this.connector = connector;
        this.threads = threads;
        this.requests = requests;
    }

    static JettyServer create(InetSocketAddress address, int backlog, TimeoutConfig timeouts, int maxThreads)
            throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(MIN_THREADS, maxThreads));
        threads.setName("proxy-jetty");
        Server jetty = new Server(threads);
        // JettyHttpServer adds each context to the ContextHandlerCollection it finds below the server.
        ProxyRequests requests = new ProxyRequests(new ContextHandlerCollection(true));
        jetty.setHandler(new GracefulHandler(requests));

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The proxy passes the backend's Date on; a second one from Jetty would contradict it.
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(MAX_REQUEST_HEAD_BYTES);
        http.setIdleTimeout(timeouts.requestBodyIdle().toMillis());
        http.setHttpCompliance(COMPLIANCE);
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setAcceptQueueSize(backlog);
        connector.setIdleTimeout(timeouts.requestHead().toMillis());
        jetty.addConnector(connector);
        openNow(connector, address);

        // bind() finds the connector above by its port and adds none of its own.
        JettyHttpServer api = new JettyHttpServer(jetty, false);
        api.bind(address, backlog);
        return new JettyServer(jetty, api, connector, threads, requests);
    }

    /** Binds at creation, as the JDK server does, so a port in use fails the start with a BindException. */
    private static void openNow(ServerConnector connector, InetSocketAddress address) throws IOException {
        try {
            connector.open();
        } catch (IOException e) {
            if (e.getCause() instanceof BindException bind) {
                throw bind;
            }
            throw e;
        }
    }

    String describe() {
        return "Jetty server, its own pool of up to " + threads.getMaxThreads() + " threads";
    }

    @Override
    public void bind(InetSocketAddress address, int backlog) throws IOException {
        throw new IOException("already bound to " + getAddress());
    }

    @Override
    public void start() {
        try {
            jetty.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty server did not start: " + e.getMessage(), e);
        }
    }

    /** Ignored: Jetty runs on its own pool (see the class comment). */
    @Override
    public void setExecutor(Executor executor) {
    }

    @Override
    public Executor getExecutor() {
        return threads;
    }

    /**
     * Closes the listener, waits up to {@code delay} seconds for the requests in flight, then closes every
     * connection. Called a second time while the first waits, it waits for the first to finish.
     */
    @Override
    public void stop(int delay) {
        jetty.setStopTimeout(Math.max(0, delay) * 1000L);
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty server did not stop cleanly: " + e.getMessage(), e);
        }
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        return api.createContext(path, exchange -> {
            try {
                handler.handle(exchange);
            } catch (IOException | RuntimeException e) {
                requests.abortCurrent();
                throw e;
            }
        });
    }

    @Override
    public HttpContext createContext(String path) {
        return api.createContext(path);
    }

    @Override
    public void removeContext(String path) {
        api.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        api.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    /**
     * Jetty's request as the handlers below it run, on the thread that runs them (jetty-http-spi calls
     * the {@code HttpHandler} within {@code handle}), and two policies that need it:
     * <ul>
     *   <li>Jetty fails a request that is idle for the handling idle timeout even when the client owes
     *       nothing, which for a proxy means while it waits for a slow backend; such timeouts are
     *       ignored. A read or write that is pending still fails on the timeout (Jetty delivers it there
     *       without asking this listener).</li>
     *   <li>The proxy ends an exchange it cannot answer (a client that stalled or broke its body) by
     *       throwing, and the JDK server then closes the connection without an answer. jetty-http-spi
     *       would answer {@code 200} with an empty body instead, a false success; so the connection is
     *       closed here first.</li>
     * </ul>
     */
    private static final class ProxyRequests extends Handler.Wrapper {
        private final ThreadLocal<Request> current = new ThreadLocal<>();

        ProxyRequests(Handler handler) {
            super(handler);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            request.addIdleTimeoutListener(timeout -> false);
            current.set(request);
            try {
                return super.handle(request, response, callback);
            } finally {
                current.remove();
            }
        }

        /** Closes the connection of the request this thread is handling, with no answer. */
        void abortCurrent() {
            Request request = current.get();
            if (request != null) {
                request.getConnectionMetaData().getConnection().getEndPoint().close();
            }
        }
    }
}
