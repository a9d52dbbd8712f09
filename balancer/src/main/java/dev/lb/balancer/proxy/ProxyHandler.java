package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.TimeoutConfig;
import dev.lb.balancer.select.SelectionStrategy;
import dev.lb.balancer.util.Failures;
import okhttp3.Call;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The data plane: forwards each client request to a backend chosen by the strategy and streams the
 * answer back. Runs on the server's request threads; shares only the pool's lock-free snapshot and the
 * backends' atomic counters with the rest of the balancer.
 *
 * <p>Failure handling follows what a client can still be told: before the response has started, a
 * failure becomes 502/503/504; after, the client connection is closed so the client sees an incomplete
 * response rather than a truncated one passed off as complete.
 */
public final class ProxyHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());
    /**
     * Upper bound of the body copy buffer. OkHttp's source hands out at most one 8 KiB okio segment per
     * read, so a larger buffer is never filled; a smaller one suffices for a short body of known length.
     * (A 64 KiB buffer per request was 75% of all allocation and most of the young-GC work.)
     */
    private static final int CHUNK = 8 * 1024;

    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final BackendClient client;
    private final TimeoutConfig timeouts;
    private final int retries;

    public ProxyHandler(BackendPool pool, SelectionStrategy strategy, BackendClient client,
                        TimeoutConfig timeouts, int retries) {
        this.pool = pool;
        this.strategy = strategy;
        this.client = client;
        this.timeouts = timeouts;
        this.retries = retries;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            forward(exchange);
        } catch (ProxyException e) {
            ErrorResponses.send(exchange, e.status(), e.getMessage());
        }
        exchange.close();
    }

    private void forward(HttpExchange exchange) throws ProxyException, IOException {
        Request.Builder template = RequestTranslation.toBackendRequest(exchange);
        StreamingRequestBody body = RequestTranslation.body(exchange);
        List<Backend> tried = new ArrayList<>(2);
        while (true) {
            Backend backend = choose(tried);
            Attempt attempt = new Attempt();
            Request request = template
                    .url(backend.url() + RequestTranslation.pathAndQuery(exchange))
                    .method(exchange.getRequestMethod(), requestBodyFor(exchange.getRequestMethod(), body))
                    .tag(Attempt.class, attempt)
                    .build();
            backend.acquire();
            try {
                Call call = client.newCall(request);
                Response response;
                try {
                    response = call.execute();
                } catch (IOException e) {
                    if (retryable(attempt, body, e) && tried.size() <= retries) {
                        String reason = Failures.describe(e, timeouts.connect());
                        backend.recordFailure(reason);
                        pool.reportUnreachable(backend, reason);
                        tried.add(backend);
                        continue;
                    }
                    throw failed(backend, e);
                }
                relay(exchange, backend, response);
                return;
            } finally {
                backend.release();
            }
        }
    }

    private Backend choose(List<Backend> tried) throws ProxyException {
        List<Backend> available = pool.available();
        List<Backend> candidates = available;
        if (!tried.isEmpty()) {
            candidates = available.stream().filter(b -> !tried.contains(b)).toList();
        }
        Optional<Backend> chosen = strategy.select(candidates);
        if (chosen.isEmpty()) {
            throw tried.isEmpty()
                    ? new ProxyException(503, "no healthy backend available")
                    : new ProxyException(502, "backend unreachable");
        }
        return chosen.get();
    }

    /** Connect-level failures before the request left, with no client byte consumed, go elsewhere. */
    private static boolean retryable(Attempt attempt, StreamingRequestBody body, IOException e) {
        if (e instanceof ClientReadException) {
            return false;
        }
        return !attempt.requestSent() && (body == null || !body.started());
    }

    private ProxyException failed(Backend backend, IOException e) throws IOException {
        if (e instanceof ClientReadException clientGone) {
            // The client stopped sending its body: nobody to answer, nothing the backend did wrong.
            throw clientGone;
        }
        String reason = Failures.describe(e, isTimeout(e) ? timeouts.read() : timeouts.connect());
        backend.recordFailure(reason);
        if (isTimeout(e)) {
            return new ProxyException(504, "backend did not answer in time");
        }
        return new ProxyException(502, "backend failed: " + reason);
    }

    private static boolean isTimeout(IOException e) {
        return e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
    }

    private static final Set<String> METHODS_WITHOUT_BODY = Set.of("GET", "HEAD");
    private static final Set<String> METHODS_REQUIRING_BODY = Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT");

    private static RequestBody requestBodyFor(String method, StreamingRequestBody body) {
        if (METHODS_WITHOUT_BODY.contains(method)) {
            // OkHttp cannot send a body with GET or HEAD; such a body has no defined meaning anyway.
            return null;
        }
        if (body == null) {
            // OkHttp insists these methods carry a body; an empty one goes out as Content-Length: 0.
            return METHODS_REQUIRING_BODY.contains(method) ? RequestBody.create(new byte[0]) : null;
        }
        return body;
    }

    /** Sends the backend's answer to the client, streaming the body. */
    private void relay(HttpExchange exchange, Backend backend, Response response) throws IOException {
        try (response) {
            ResponseTranslation.copyHeaders(response, exchange.getResponseHeaders());
            long length = ResponseTranslation.responseLength(exchange.getRequestMethod(), response,
                    exchange.getResponseHeaders());
            exchange.sendResponseHeaders(response.code(), length);
            if (length >= 0) {
                copyBody(exchange, backend, response, length);
            }
        }
    }

    /** {@code length} is the announced body length, or {@link ResponseTranslation#CHUNKED} when unknown. */
    private void copyBody(HttpExchange exchange, Backend backend, Response response, long length) throws IOException {
        byte[] buffer = new byte[length > 0 && length < CHUNK ? (int) length : CHUNK];
        OutputStream out = exchange.getResponseBody();
        try (InputStream in = response.body().byteStream()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    backend.recordFailure("response body: " + Failures.describe(e, timeouts.read()));
                    throw new ResponseAborted("backend " + backend + " failed mid-response", e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
            }
            out.flush();
        }
    }

    /**
     * The response started but cannot be completed. Propagating an exception out of the handler makes
     * the server close the client connection without ending the body, the only way left to tell the
     * client the response is incomplete.
     */
    static final class ResponseAborted extends IOException {
        ResponseAborted(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
