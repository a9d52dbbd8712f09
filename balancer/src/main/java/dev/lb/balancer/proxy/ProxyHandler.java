package dev.lb.balancer.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.lb.balancer.accesslog.AccessLog;
import dev.lb.balancer.accesslog.AccessLogEntry;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.RetryBudgetConfig;
import dev.lb.balancer.config.TimeoutConfig;
import dev.lb.balancer.select.Placement;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.server.ClientReadTimeout;
import dev.lb.balancer.upstream.Attempt;
import dev.lb.balancer.upstream.BackendClient;
import dev.lb.balancer.upstream.BackendRequest;
import dev.lb.balancer.upstream.BackendResponse;
import dev.lb.balancer.upstream.ClientReadException;
import dev.lb.balancer.upstream.ResponseHead;
import dev.lb.balancer.upstream.StreamingRequestBody;
import dev.lb.balancer.util.Failures;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * The data plane: forwards each client request to a backend chosen by the strategy and streams the
 * answer back. Runs on the server's request threads; shares only the pool's lock-free snapshot and the
 * backends' atomic counters with the rest of the balancer.
 *
 * <p>Failure handling follows what a client can still be told: before the response has started, a
 * failure becomes 4xx/5xx; after, the client connection is closed so the client sees an incomplete
 * response rather than a truncated one passed off as complete. docs/http-behaviour.md lists each case.
 */
public final class ProxyHandler implements HttpHandler {
    private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());
    /**
     * Upper bound of the body copy buffer: one backend connection buffer's worth (OkHttp's source, for
     * https backends, hands out one 8 KiB okio segment per read); a smaller one suffices for a short body
     * of known length. (A 64 KiB buffer per request was 75% of all allocation and most of the young-GC work.)
     */
    private static final int CHUNK = 8 * 1024;

    private final BackendPool pool;
    private final RequestQueue queue;
    private final BackendClient client;
    private final RetryPolicy retryPolicy;
    private final ClientReadTimeout bodyTimeout;
    private final BooleanSupplier closeConnections;
    private final RequestValidator validator = new RequestValidator(RequestValidator.Limits.DEFAULT);
    private final Affinity affinity;
    private ExchangeObserver observer = ExchangeObserver.NONE;
    private RetryBudget retryBudget = new RetryBudget(RetryBudgetConfig.DEFAULT);
    private RequestIds requestIds = new RequestIds(RequestIds.DEFAULT_HEADER);
    private AccessLog accessLog = AccessLog.OFF;
    /** Requests that asked for a protocol upgrade (WebSocket, h2c), which this server cannot hand over. */
    private final LongAdder upgradeRequests = new LongAdder();

    /**
     * @param queue            chooses the backend for each request and holds requests back while every
     *                         backend is at its maxConnections
     * @param client           carries requests to backends; its timeouts, changed by a reload, are the ones
     *                         failures are reported against
     * @param bodyTimeout      bounds each read of a request body; owned by the caller, null for none
     * @param closeConnections true while every answer should close its client connection (draining)
     */
    public ProxyHandler(BackendPool pool, RequestQueue queue, BackendClient client,
                        int retries, ClientReadTimeout bodyTimeout,
                        BooleanSupplier closeConnections) {
        this.pool = pool;
        this.queue = queue;
        this.client = client;
        this.retryPolicy = new RetryPolicy(retries);
        this.bodyTimeout = bodyTimeout;
        this.closeConnections = closeConnections;
        this.affinity = new Affinity(pool, queue);
    }

    /** Sets who hears how exchanges went; call before the server starts. */
    public void observe(ExchangeObserver observer) {
        this.observer = observer;
    }

    /** Sets the budget retries draw on, one the balancer reconfigures on reload; call before the server starts. */
    public void retryBudget(RetryBudget budget) {
        this.retryBudget = budget;
    }

    /** Sets the request-ID header (or none); call before the server starts. */
    public void requestIds(RequestIds ids) {
        this.requestIds = ids;
    }

    /** Requests since start that carried {@code Upgrade} (WebSocket and the like), answered as plain requests. */
    public long upgradeRequests() {
        return upgradeRequests.sum();
    }

    /** Sets where finished exchanges are logged; call before the server starts. */
    public void accessLog(AccessLog log) {
        this.accessLog = log;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        ExchangeFacts facts = new ExchangeFacts(requestIds.idFor(exchange), accessLog.enabled());
        if (facts.requestId != null) {
            // Set first so that every answer carries it, the balancer's own error answers included.
            exchange.getResponseHeaders().set(requestIds.header(), facts.requestId);
        }
        if (exchange.getRequestHeaders().containsKey("Upgrade")) {
            // Forwarded as a plain request, Upgrade removed as hop-by-hop: counted so an operator sees who tried.
            upgradeRequests.increment();
        }
        try {
            Optional<ProxyException> invalid = validator.check(exchange);
            if (invalid.isPresent()) {
                // Nothing after a malformed head can be trusted to be framed as the client meant: close.
                facts.failed("bad-request");
                facts.bytesOut += ErrorResponses.send(exchange, invalid.get().status(), invalid.get().getMessage(), true);
            } else {
                answer(exchange, facts);
            }
        } catch (IOException | RuntimeException e) {
            facts.failed(e instanceof ResponseAborted ? "backend-abort" : "client-abort");
            throw e;
        } finally {
            observer.exchangeEnded(exchange.getResponseCode(), started);
            if (accessLog.enabled()) {
                accessLog.log(entry(exchange, facts, started));
            }
        }
        exchange.close();
    }

    /** Forwards the request, or answers it with the balancer's own error. */
    private void answer(HttpExchange exchange, ExchangeFacts facts) throws IOException {
        try {
            forward(exchange, facts);
        } catch (ProxyException e) {
            if (e.retryAfterSeconds() > 0) {
                exchange.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfterSeconds()));
            }
            facts.failed(e.status() < 500 ? "bad-request" : "backend-error");
            facts.bytesOut += ErrorResponses.send(exchange, e.status(), e.getMessage(), e.status() < 500);
        }
    }

    /** The access-log entry: only values already at hand, so the request thread does no formatting. */
    private static AccessLogEntry entry(HttpExchange exchange, ExchangeFacts facts, long started) {
        long now = System.nanoTime();
        InetSocketAddress remote = exchange.getRemoteAddress();
        String client = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
        var headers = exchange.getRequestHeaders();
        return new AccessLogEntry(Instant.now().minusNanos(now - started), client, exchange.getRequestMethod(),
                exchange.getRequestURI().toString(), exchange.getProtocol(), Math.max(0, exchange.getResponseCode()),
                facts.bytesIn(), facts.bytesOut, now - started, facts.backend, facts.backendNanos, facts.retries,
                facts.requestId == null ? "" : facts.requestId, orEmpty(headers.getFirst("User-Agent")),
                orEmpty(headers.getFirst("Referer")), facts.error());
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    private void forward(HttpExchange exchange, ExchangeFacts facts) throws ProxyException, IOException {
        StreamingRequestBody body = RequestTranslation.body(exchange, bodyTimeout, facts.countIn(exchange.getRequestBody()));
        Affinity.Request affinity = this.affinity.read(exchange);
        BackendRequest request = RequestTranslation.toBackendRequest(exchange, body, affinity.cookieName(),
                requestIds.header(), facts.requestId);
        retryBudget.requestStarted();
        List<Backend> tried = new ArrayList<>(2);
        boolean freshRetryUsed = false;
        Backend next = choose(tried, affinity.placement(), facts);
        while (true) {
            Backend backend = next;
            facts.backend = backend.name();
            Attempt attempt = new Attempt();
            long attemptStarted = System.nanoTime();
            // choose() took this request's slot on the backend; the finally below gives it back.
            try {
                BackendResponse response;
                try {
                    response = client.execute(backend.url(), request, attempt, freshRetryUsed);
                } catch (IOException e) {
                    if (e instanceof ClientReadException clientFailed) {
                        facts.failed(clientFailed.getCause() instanceof ClientReadTimeout.TimedOut ? "client-timeout" : "client-abort");
                        throw clientFailure(clientFailed, body);
                    }
                    RetryPolicy.Failure failure = failure(request, attempt, e, freshRetryUsed, tried);
                    RetryPolicy.Decision decision = retryPolicy.recover(failure);
                    if (decision == RetryPolicy.Decision.FRESH_CONNECTION && affordable(backend, decision, failure, facts)) {
                        // Same backend, new connection: the backend did nothing wrong.
                        LOG.log(System.Logger.Level.DEBUG, "retrying on a fresh connection to {0}{1}: {2}", backend,
                                facts.logSuffix(), e);
                        freshRetryUsed = true;
                        // Keeps this request's slot across the retry: the finally releases one.
                        backend.acquire();
                        continue;
                    }
                    if (decision == RetryPolicy.Decision.OTHER_BACKEND && affordable(backend, decision, failure, facts)) {
                        String reason = reason(attempt, e);
                        backend.recordFailure(reason);
                        if (unreached(attempt, body)) {
                            reportUnreached(backend, reason, e);
                        }
                        tried.add(backend);
                        next = another(tried, affinity.placement(), attempt, body, reason, facts);
                        freshRetryUsed = false;
                        continue;
                    }
                    throw failed(backend, attempt, body, e, facts);
                }
                backend.recordReached();
                relay(exchange, backend, response, affinity, facts);
                return;
            } finally {
                facts.backendNanos = System.nanoTime() - attemptStarted;
                queue.release(backend);
                observer.attemptEnded(backend, exchange.getResponseCode(), attemptStarted);
            }
        }
    }

    /**
     * The backend to try next. When none is left, a request that never left the balancer is answered
     * "unreachable"; one a backend took and dropped, with that backend's failure.
     */
    private Backend another(List<Backend> tried, Placement placement, Attempt attempt, StreamingRequestBody body,
                            String reason, ExchangeFacts facts) throws ProxyException {
        try {
            return choose(tried, placement, facts);
        } catch (ProxyException noneLeft) {
            if (unreached(attempt, body)) {
                throw noneLeft;
            }
            facts.failed(failureWord(reason));
            throw new ProxyException(502, "backend failed: " + reason);
        }
    }

    /** What the retry policy needs to know about a failed attempt. */
    private static RetryPolicy.Failure failure(BackendRequest request, Attempt attempt, IOException e,
                                               boolean freshRetryUsed, List<Backend> tried) {
        StreamingRequestBody body = request.body();
        return new RetryPolicy.Failure(request.method(), attempt.requestSent(), attempt.reusedConnection(),
                attempt.responseStarted(), body == null || body.resendable(), isTimeout(e), freshRetryUsed,
                tried.size());
    }

    /** Whether the retry budget still allows this retry, if it draws on it; counted either way. */
    private boolean affordable(Backend backend, RetryPolicy.Decision decision, RetryPolicy.Failure failure,
                               ExchangeFacts facts) {
        if (!RetryPolicy.drawsOnBudget(failure) || retryBudget.tryRetry()) {
            observer.retried(backend, decision);
            facts.retries++;
            return true;
        }
        LOG.log(System.Logger.Level.DEBUG, "retry budget exhausted: not retrying a request that failed on {0}{1}",
                backend, facts.logSuffix());
        observer.retryRefused(backend);
        return false;
    }

    /**
     * A backend for the request, not one already tried, with a slot taken on it (waiting in the queue
     * while every candidate is at its maxConnections). Pair with one {@code queue.release}.
     */
    private Backend choose(List<Backend> tried, Placement placement, ExchangeFacts facts) throws ProxyException {
        Optional<Backend> chosen;
        try {
            chosen = queue.acquire(tried, placement);
        } catch (RequestQueue.Refused e) {
            // Overload, not failure: the client may try again shortly, as HAProxy's 503 from its queue says.
            facts.failed("queue-refused");
            throw ProxyException.retryLater(503, e.getMessage(), 1);
        }
        if (chosen.isEmpty()) {
            facts.failed(tried.isEmpty() ? "no-backend" : "unreachable");
            throw tried.isEmpty()
                    ? new ProxyException(503, NoBackend.describe(pool.all()))
                    : new ProxyException(502, "backend unreachable");
        }
        return chosen.get();
    }

    /** Nothing left the balancer: connect-level failures, with no client byte consumed, go elsewhere. */
    /**
     * A request could not reach the backend. A refusal or reset is certain: the backend leaves rotation
     * at once. A connect that timed out is not: on a starved machine (a request thread that waited for a
     * core past its deadline) or a moment's backlog it says more about this host than the backend, and
     * one such request must not empty the pool (it did, under overload, every backend going DOWN for
     * one time-out each). So time-outs take a backend out only at the health policy's
     * {@code unhealthyThreshold} in a row, with no answer between them.
     */
    private void reportUnreached(Backend backend, String reason, IOException e) {
        if (!isTimeout(e)) {
            pool.reportUnreachable(backend, reason);
            return;
        }
        int inARow = backend.recordConnectTimeout();
        if (pool.enoughConnectTimeouts(inARow)) {
            backend.clearConnectTimeouts();
            pool.reportUnreachable(backend, reason + ", " + inARow + " in a row");
        }
    }

    private static boolean unreached(Attempt attempt, StreamingRequestBody body) {
        return !attempt.requestSent() && (body == null || !body.started());
    }

    private ProxyException failed(Backend backend, Attempt attempt, StreamingRequestBody body, IOException e,
                                  ExchangeFacts facts) {
        boolean timeout = isTimeout(e);
        facts.failed(timeout ? "timeout" : e instanceof ConnectException ? "refused" : "backend-error");
        TimeoutConfig timeouts = client.timeouts();
        String reason = reason(attempt, e);
        backend.recordFailure(reason);
        if (unreached(attempt, body)) {
            reportUnreached(backend, reason, e);
        }
        LOG.log(System.Logger.Level.DEBUG, "request to {0}{1} failed: {2}", backend, facts.logSuffix(), reason);
        if (timeout && attempt.requestSent()) {
            return new ProxyException(504, "backend did not answer within " + timeouts.read().toMillis() + " ms");
        }
        return new ProxyException(502, "backend failed: " + reason);
    }

    /** The access log's word for a failure that {@link Failures#describe} put in an operator's words. */
    private static String failureWord(String reason) {
        if (reason.startsWith("timed out")) {
            return "timeout";
        }
        return reason.equals("connection refused") ? "refused" : "backend-error";
    }

    /** The failure in an operator's words; a timeout names the limit that was hit. */
    private String reason(Attempt attempt, IOException e) {
        TimeoutConfig timeouts = client.timeouts();
        return Failures.describe(e, isTimeout(e) && attempt.requestSent() ? timeouts.read() : timeouts.connect());
    }

    /**
     * The client's body could not be read: a chunked body the server's decoder refused is a 400 (the
     * client may still be there to read it); a client whose connection failed gets nothing. The
     * backend exchange is abandoned either way, so the backend never sees a complete request.
     */
    private static ProxyException clientFailure(ClientReadException e, StreamingRequestBody body) throws IOException {
        Throwable cause = e.getCause();
        if (cause instanceof ClientReadTimeout.TimedOut) {
            // The connection is already closed: there is nobody left to answer.
            LOG.log(System.Logger.Level.DEBUG, "closed a client connection: {0}", cause.getMessage());
            throw e;
        }
        if (body.contentLength() < 0 && !connectionLost(cause)) {
            // The JDK server's chunked decoder refuses a malformed or unfinished body with a plain
            // IOException; the connection itself failing is one of the types connectionLost names.
            return new ProxyException(400, "invalid chunked request body");
        }
        throw e;
    }

    /** Whether the failure is the client's connection ending (reset, closed, timed out), not its bytes. */
    private static boolean connectionLost(Throwable failure) {
        return failure instanceof SocketException || failure instanceof EOFException
                || failure instanceof InterruptedIOException;
    }

    private static boolean isTimeout(IOException e) {
        return e instanceof SocketTimeoutException || e instanceof InterruptedIOException;
    }

    /** Sends the backend's answer to the client, streaming the body. */
    private void relay(HttpExchange exchange, Backend backend, BackendResponse response, Affinity.Request affinity,
                       ExchangeFacts facts)
            throws IOException, ProxyException {
        try (response) {
            ResponseHead head = response.head();
            if (head.code() < 200) {
                // Upgrade is never forwarded and interim answers are skipped: any other 1xx is a broken backend.
                backend.recordFailure("unexpected HTTP " + head.code());
                throw new ProxyException(502, "backend answered " + head.code() + " to a request without Upgrade");
            }
            long length;
            try {
                length = ResponseTranslation.responseLength(exchange.getRequestMethod(), head,
                        exchange.getResponseHeaders());
            } catch (NumberFormatException e) {
                backend.recordFailure("invalid Content-Length in response");
                throw new ProxyException(502, "backend sent an invalid Content-Length");
            }
            ResponseTranslation.copyHeaders(head, exchange.getResponseHeaders());
            this.affinity.answered(exchange, backend, affinity);
            if (facts.requestId != null) {
                // The request's ID, not whatever the backend echoed or made up.
                exchange.getResponseHeaders().set(requestIds.header(), facts.requestId);
            }
            if (closeConnections.getAsBoolean()) {
                // Checked as late as possible: a shutdown may have begun while the backend worked.
                exchange.getResponseHeaders().set("Connection", "close");
            }
            exchange.sendResponseHeaders(head.code(), length);
            if (length >= 0) {
                copyBody(exchange, backend, response, length, facts);
            }
        }
    }

    /** {@code length} is the announced body length, or {@link ResponseTranslation#CHUNKED} when unknown. */
    private void copyBody(HttpExchange exchange, Backend backend, BackendResponse response, long length,
                          ExchangeFacts facts) throws IOException {
        byte[] buffer = new byte[length > 0 && length < CHUNK ? (int) length : CHUNK];
        OutputStream out = exchange.getResponseBody();
        try (InputStream in = response.body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    backend.recordFailure("response body: " + Failures.describe(e, client.timeouts().read()));
                    throw new ResponseAborted("backend " + backend + " failed mid-response", e);
                }
                if (n < 0) {
                    break;
                }
                try {
                    out.write(buffer, 0, n);
                    facts.bytesOut += n;
                    if (in.available() == 0) {
                        // The backend paused: pass on what it sent so far (streamed answers, server-sent
                        // events) instead of holding it in the server's chunk buffer.
                        out.flush();
                    }
                } catch (IOException e) {
                    // The client went away: stop the backend at once rather than draining its answer.
                    response.cancel();
                    throw e;
                }
            }
            out.flush();
        }
    }

    /**
     * The response started but cannot be completed. Propagating an exception out of the handler makes
     * the server close the client connection without ending the body (no final chunk, or fewer bytes
     * than the Content-Length), the only way left to tell the client the response is incomplete.
     */
    static final class ResponseAborted extends IOException {
        ResponseAborted(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
