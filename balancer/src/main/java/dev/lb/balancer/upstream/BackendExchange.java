package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * One request and its answer on a plain-HTTP backend connection, seen as a {@link BackendResponse}.
 * Framing is the connection's {@link Http1Codec}'s; this decides what happens to the connection when
 * the exchange ends: it goes back to the pool only when the codec read the whole answer and neither
 * side asked to close. Every other ending closes it, so no stray byte can reach the next request.
 */
final class BackendExchange implements BackendResponse {
    private final BackendConnections pool;
    private final BackendConnection connection;
    private final ResponseHead head;
    private final InputStream body;
    /** Set by the first {@link #close()}, on the owning thread: the connection is the pool's from then on. */
    private boolean ended;

    private BackendExchange(BackendConnections pool, BackendConnection connection, ResponseHead head) {
        this.pool = pool;
        this.connection = connection;
        this.head = head;
        this.body = connection.codec().body();
    }

    /**
     * Sends the request on {@code connection} and reads the answer's head, marking each step on the
     * attempt. On failure the connection is closed.
     */
    static BackendExchange start(BackendConnections pool, BackendConnection connection, BackendRequest request,
                                 Attempt attempt) throws IOException {
        Http1Codec codec = connection.codec();
        try {
            attempt.requestHeadStart();
            codec.writeRequest(request, connection.endpoint());
            return new BackendExchange(pool, connection, codec.readResponse(request.method(), attempt));
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** Whether both sides let the connection persist after this answer (RFC 9112 section 9.3). */
    private static boolean persistent(ResponseHead head) {
        return head.code() != 101 && (head.http11() ? !head.connectionHas("close") : head.connectionHas("keep-alive"));
    }

    @Override
    public ResponseHead head() {
        return head;
    }

    @Override
    public InputStream body() {
        return body;
    }

    @Override
    public void cancel() {
        connection.close();
    }

    @Override
    public void close() {
        if (ended) {
            return;
        }
        ended = true;
        if (reusable()) {
            connection.codec().reset();
            pool.release(connection);
        } else {
            connection.close();
        }
    }

    /**
     * Whether the connection may carry the next request: the answer was read at its framing, both sides
     * want to keep it, and no byte beyond the answer arrived (a backend that sends a body after HEAD,
     * say, would have it read as the next answer).
     */
    private boolean reusable() {
        return connection.codec().state() == Http1Codec.State.BODY_READ && persistent(head)
                && connection.in().buffered() == 0 && !connection.isClosed();
    }
}
