package dev.lb.balancer.proxy;

import dev.lb.balancer.config.TimeoutConfig;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP client that carries proxied requests to backends. Connections are pooled and reused; idle
 * ones are dropped after {@link #KEEP_ALIVE_SECONDS}, well below the idle timeouts backends commonly
 * use (nginx 75 s, Node 5 s is the exception, Tomcat/Jetty 20-60 s), so a pooled connection is rarely
 * one the backend has already closed. When it is anyway, OkHttp retries the request on a fresh
 * connection as long as no body byte was sent.
 */
public final class BackendClient implements AutoCloseable {
    /** Idle pooled connections are closed after this long. */
    public static final int KEEP_ALIVE_SECONDS = 30;
    private static final int MAX_IDLE_CONNECTIONS = 256;

    private volatile OkHttpClient client;

    public BackendClient(TimeoutConfig timeouts) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        this.client = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS))
                .connectTimeout(timeouts.connect())
                .readTimeout(timeouts.read())
                .writeTimeout(timeouts.read())
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(true)
                .eventListenerFactory(BackendClient::listenerFor)
                .addNetworkInterceptor(new WireHeaders())
                .build();
    }

    /** An attempt's own listener travels with its request as a tag; see {@link Attempt}. */
    private static EventListener listenerFor(Call call) {
        Attempt attempt = call.request().tag(Attempt.class);
        return attempt != null ? attempt : EventListener.NONE;
    }

    /** New timeouts for calls started from now on; pooled connections and calls in flight are kept. */
    public void timeouts(TimeoutConfig timeouts) {
        client = client.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
    }

    Call newCall(Request request) {
        return client.newCall(request);
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
