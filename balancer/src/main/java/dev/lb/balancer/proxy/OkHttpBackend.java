package dev.lb.balancer.proxy;

import dev.lb.balancer.config.TimeoutConfig;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Carries requests to https backends through OkHttp, which brings TLS. When its pooled connection was
 * closed by the backend, OkHttp retries a request without a streamed body itself.
 */
final class OkHttpBackend implements AutoCloseable {
    private static final int MAX_IDLE_CONNECTIONS = 256;

    /**
     * Each backend's base URL, parsed once: parsing it per request (host canonicalisation included) was
     * about 4% of the proxy's CPU. Keyed by URL, so it only grows with the distinct backends ever configured.
     */
    private final Map<URI, HttpUrl> baseUrls = new ConcurrentHashMap<>();
    private volatile OkHttpClient client;
    /** Shares the dispatcher and settings, never a pooled connection: each call connects anew. */
    private volatile OkHttpClient freshClient;

    OkHttpBackend(TimeoutConfig timeouts, BlockingSocketFactory sockets) {
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
                .eventListenerFactory(OkHttpBackend::listenerFor)
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

    void timeouts(TimeoutConfig timeouts) {
        client = client.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
        freshClient = freshClient.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
    }

    BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh) throws IOException {
        HttpUrl base = baseUrls.computeIfAbsent(backend, url -> HttpUrl.get(url.toString()));
        Request okRequest = RequestTranslation.toOkHttp(request)
                .url(RequestTranslation.targetUrl(base, request.clientTarget()))
                .method(request.method(), requestBodyFor(request))
                .tag(Attempt.class, attempt)
                .build();
        Call call = (fresh ? freshClient : client).newCall(okRequest);
        return new OkHttpResponse(call, call.execute());
    }

    private static RequestBody requestBodyFor(BackendRequest request) {
        if (request.sendsBody()) {
            return request.body();
        }
        // OkHttp insists these methods carry a body; an empty one goes out as Content-Length: 0.
        return request.announcesEmptyBody() ? RequestBody.create(new byte[0]) : null;
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        freshClient.connectionPool().evictAll();
    }
}
