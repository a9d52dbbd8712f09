package dev.lb.balancer.proxy;

import dev.lb.balancer.config.TimeoutConfig;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client that carries proxied requests to backends. Connections are pooled and reused; idle
 * ones are dropped after {@code timeouts.backendIdle()} (4 s by default), below the idle timeouts
 * backends commonly use (Node and Apache 5 s, nginx 75 s, Tomcat/Jetty 20-60 s), so a pooled connection
 * is rarely one the backend has already closed. When it is anyway, OkHttp retries a request without a
 * streamed body itself, and the proxy repeats one whose body has not started on a {@link #newFreshCall
 * fresh connection}. Sockets stay in blocking mode, their timeouts kept by a watchdog: see
 * {@link BlockingSocketFactory}.
 */
public final class BackendClient implements AutoCloseable {
    private static final int MAX_IDLE_CONNECTIONS = 256;

    private final BlockingSocketFactory sockets = new BlockingSocketFactory();
    /**
     * Each backend's base URL, parsed once: parsing it per request (host canonicalisation included) was
     * about 4% of the proxy's CPU. Keyed by URL, so it only grows with the distinct backends ever configured.
     */
    private final Map<URI, HttpUrl> baseUrls = new ConcurrentHashMap<>();

    private volatile TimeoutConfig timeouts;
    private volatile OkHttpClient client;
    /** Shares the dispatcher and settings, never a pooled connection: each call connects anew. */
    private volatile OkHttpClient freshClient;

    public BackendClient(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        this.client = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, timeouts.backendIdle().toMillis(), TimeUnit.MILLISECONDS))
                .connectTimeout(timeouts.connect())
                .readTimeout(timeouts.read())
                .writeTimeout(timeouts.read())
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(true)
                .socketFactory(sockets)
                .eventListenerFactory(BackendClient::listenerFor)
                .addNetworkInterceptor(new WireHeaders())
                .build();
        this.freshClient = client.newBuilder()
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.MILLISECONDS))
                .build();
    }

    /** An attempt's own listener travels with its request as a tag; see {@link Attempt}. */
    private static EventListener listenerFor(Call call) {
        Attempt attempt = call.request().tag(Attempt.class);
        return attempt != null ? attempt : EventListener.NONE;
    }

    /** New timeouts for calls started from now on; pooled connections and calls in flight are kept. */
    public void timeouts(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        client = client.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
        freshClient = freshClient.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
    }

    /** The timeouts calls started now get. */
    public TimeoutConfig timeouts() {
        return timeouts;
    }

    /** The backend's base URL in OkHttp's form. */
    HttpUrl baseUrl(URI backend) {
        return baseUrls.computeIfAbsent(backend, url -> HttpUrl.get(url.toString()));
    }

    Call newCall(Request request) {
        return client.newCall(request);
    }

    /** A call on a newly opened connection, for repeating a request that failed on a stale pooled one. */
    Call newFreshCall(Request request) {
        return freshClient.newCall(request);
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        freshClient.connectionPool().evictAll();
        sockets.close();
    }
}
