package dev.lb.balancer.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.util.List;

/**
 * One request and its answer on a plain-HTTP backend connection. The answer's body is framed as RFC 9112
 * section 6.3 says (no body for HEAD, 1xx, 204 and 304; chunked; Content-Length; else until the backend
 * closes), and the connection goes back to the pool only when the whole body was read and neither side
 * asked to close it. Every other ending closes the connection, so no stray byte can reach the next request.
 */
final class BackendExchange implements BackendResponse {
    /** Interim answers skipped before a final one; more is a broken backend. */
    static final int MAX_INTERIM = 16;

    private final BackendConnections pool;
    private final BackendConnection connection;
    private final ResponseHead head;
    private final boolean keepAlive;
    private final InputStream body;
    private volatile boolean complete;
    private volatile boolean cancelled;
    private boolean closed;

    private BackendExchange(BackendConnections pool, BackendConnection connection, String method, ResponseHead head) {
        this.pool = pool;
        this.connection = connection;
        this.head = head;
        this.keepAlive = head.code() != 101
                && (head.http11() ? !head.connectionHas("close") : head.connectionHas("keep-alive"));
        this.body = frame(method);
    }

    /**
     * Sends the request on {@code connection} and reads the answer's head, marking each step on the
     * attempt. On failure the connection is closed.
     */
    static BackendExchange start(BackendConnections pool, BackendConnection connection, BackendRequest request,
                                 Attempt attempt) throws IOException {
        try {
            attempt.requestHeadStart();
            RequestWriter.write(connection.out(), request, connection.endpoint());
            return new BackendExchange(pool, connection, request.method(), finalHead(connection.in(), attempt));
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * Skips interim answers (100 Continue, 102, 103...); 101 is final, and the proxy refuses it. The
     * response counts as started once a whole head was read, as OkHttp reported it: a pooled connection
     * that yields only the leftovers of an earlier, broken answer before closing is still a stale one.
     */
    private static ResponseHead finalHead(BackendInput in, Attempt attempt) throws IOException {
        for (int interim = 0; interim <= MAX_INTERIM; interim++) {
            ResponseHead head = ResponseHead.read(in);
            attempt.responseStart();
            if (head.code() >= 200 || head.code() == 101) {
                return head;
            }
        }
        // Each head is bounded, but a backend must not keep a thread with an endless stream of them.
        throw new ProtocolException("backend sent more than " + MAX_INTERIM + " interim (1xx) answers");
    }

    /** Null when the answer has no body; the body otherwise, or null for an invalid Content-Length. */
    private InputStream frame(String method) {
        int code = head.code();
        if (method.equals("HEAD") || code < 200 || code == 204 || code == 304) {
            complete = true;
            return null;
        }
        List<String> codings = head.values("Transfer-Encoding");
        if (!codings.isEmpty()) {
            // Transfer-Encoding overrides Content-Length; a final coding other than chunked leaves only
            // the connection's end to mark the body's end.
            if (Tokens.last(codings.get(codings.size() - 1)).equalsIgnoreCase("chunked")) {
                return new ChunkedInputStream(connection.in(), this::completed);
            }
            return new FixedLengthInputStream(connection.in(), FixedLengthInputStream.UNTIL_CLOSE, this::completedAtClose);
        }
        String length = head.header("Content-Length");
        if (length == null) {
            return new FixedLengthInputStream(connection.in(), FixedLengthInputStream.UNTIL_CLOSE, this::completedAtClose);
        }
        try {
            return new FixedLengthInputStream(connection.in(), ResponseTranslation.parseLength(length), this::completed);
        } catch (NumberFormatException e) {
            // The proxy answers 502 before asking for the body; the connection is not reused.
            return null;
        }
    }

    private void completed() {
        complete = true;
    }

    /** A body that ended with the connection leaves nothing to reuse. */
    private void completedAtClose() {
        cancelled = true;
    }

    @Override
    public ResponseHead head() {
        return head;
    }

    @Override
    public InputStream body() throws IOException {
        if (body == null) {
            throw new IOException("no body to read in a " + head.code() + " answer");
        }
        return body;
    }

    @Override
    public void cancel() {
        cancelled = true;
        connection.close();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Bytes beyond the announced body (a backend that sends one after HEAD, say) would be read as the
        // next answer: such a connection is not reused.
        if (complete && keepAlive && !cancelled && connection.in().buffered() == 0) {
            pool.release(connection);
        } else {
            connection.close();
        }
    }
}
