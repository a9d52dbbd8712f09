package dev.lb.balancer.upstream;

import dev.lb.balancer.config.TimeoutConfig;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Carries requests through OkHttp, which brings TLS: every https backend, and plain-HTTP ones when
 * {@code backendClient} is {@code "okhttp"}. When its pooled connection was closed by the backend,
 * OkHttp retries a request without a streamed body itself. OkHttp's own request fields are undone
 * ({@link WireHeaders}) so backends see the same request whichever client carries it.
 */
final class OkHttpBackend implements BackendClient {
    private static final int MAX_IDLE_CONNECTIONS = 256;

    /**
     * Each backend's base URL, parsed once: parsing it per request (host canonicalisation included) was
     * about 4% of the proxy's CPU. Keyed by URL, so it only grows with the distinct backends ever configured.
     */
    private final Map<URI, HttpUrl> baseUrls = new ConcurrentHashMap<>();
    private volatile OkHttpClient client;
    /** Shares the dispatcher and settings, never a pooled connection: each call connects anew. */
    private volatile OkHttpClient freshClient;
    private volatile TimeoutConfig timeouts;

    /** {@code sockets} stays the caller's to close. */
    OkHttpBackend(TimeoutConfig timeouts, BlockingSocketFactory sockets) {
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
                .eventListenerFactory(OkHttpBackend::listenerFor)
                .addNetworkInterceptor(new WireHeaders())
                .build();
        this.freshClient = client.newBuilder()
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.MILLISECONDS))
                .build();
    }

    /** An attempt travels with its request as a tag; OkHttp's events mark its steps. */
    private static EventListener listenerFor(Call call) {
        Attempt attempt = call.request().tag(Attempt.class);
        return attempt != null ? new AttemptListener(attempt) : EventListener.NONE;
    }

    @Override
    public void timeouts(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        client = client.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
        freshClient = freshClient.newBuilder().connectTimeout(timeouts.connect()).readTimeout(timeouts.read())
                .writeTimeout(timeouts.read()).build();
    }

    @Override
    public TimeoutConfig timeouts() {
        return timeouts;
    }

    @Override
    public BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh)
            throws IOException {
        HttpUrl base = baseUrls.computeIfAbsent(backend, url -> HttpUrl.get(url.toString()));
        Request okRequest = new Request.Builder()
                .url(targetUrl(base, request.originTarget()))
                .headers(headers(request))
                .method(request.method(), requestBodyFor(request))
                .tag(Attempt.class, attempt)
                .tag(WireHeaders.ClientHeaders.class, new WireHeaders.ClientHeaders(
                        request.hasHeader("User-Agent"), request.hasHeader("Accept-Encoding")))
                .build();
        Call call = (fresh ? freshClient : client).newCall(okRequest);
        return new OkHttpResponse(call, call.execute());
    }

    /** The backend's URL with the request's path and query, already canonical, as they are. */
    private static HttpUrl targetUrl(HttpUrl base, String originTarget) {
        int question = originTarget.indexOf('?');
        return question < 0
                ? base.newBuilder().encodedPath(originTarget).build()
                : base.newBuilder().encodedPath(originTarget.substring(0, question))
                        .encodedQuery(originTarget.substring(question + 1)).build();
    }

    private static Headers headers(BackendRequest request) {
        Headers.Builder headers = new Headers.Builder();
        List<String> fields = request.headers();
        for (int i = 0; i < fields.size(); i += 2) {
            headers.addUnsafeNonAscii(fields.get(i), fields.get(i + 1));
        }
        return headers.build();
    }

    private static RequestBody requestBodyFor(BackendRequest request) {
        if (request.sendsBody()) {
            return new StreamedBody(request.body());
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

    /** The client's body as OkHttp writes it: once, streamed, with the length the client announced. */
    private static final class StreamedBody extends RequestBody {
        private final StreamingRequestBody body;

        StreamedBody(StreamingRequestBody body) {
            this.body = body;
        }

        @Override
        public MediaType contentType() {
            // The client's Content-Type header is forwarded as is; returning one here would add a second.
            return null;
        }

        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            body.writeTo(sink.outputStream());
        }
    }

    /** Marks an attempt's steps from OkHttp's events. */
    private static final class AttemptListener extends EventListener {
        private final Attempt attempt;

        AttemptListener(Attempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
            attempt.connectStart();
        }

        @Override
        public void connectionAcquired(Call call, Connection connection) {
            attempt.connectionAcquired();
        }

        @Override
        public void requestHeadersStart(Call call) {
            attempt.requestHeadStart();
        }

        @Override
        public void responseHeadersStart(Call call) {
            attempt.responseStart();
        }
    }
}
