package dev.lb.balancer.upstream;

import dev.lb.balancer.util.Timers;

import dev.lb.balancer.config.BackendClientKind;
import dev.lb.balancer.config.TimeoutConfig;

import java.io.IOException;
import java.net.URI;

/**
 * Carries proxied requests to backends. Failures surface as {@link IOException}s, and the steps the
 * request got through as marks on its {@link Attempt}, so the caller can tell whether it is safe to
 * send the request again; a {@link ClientReadException} means the client's body, not the backend, failed.
 */
public interface BackendClient extends AutoCloseable {

    /**
     * The client for a balancer: {@code http://} backends go to the chosen kind, {@code https://} ones
     * always through OkHttp, which brings TLS.
     */
    static BackendClient create(TimeoutConfig timeouts, BackendClientKind kind) {
        return new SchemeRouting(timeouts, kind, null);
    }

    /** A client whose socket deadlines and idle sweeps run on {@code timers}, which stay the caller's. */
    static BackendClient create(TimeoutConfig timeouts, BackendClientKind kind, Timers timers) {
        return new SchemeRouting(timeouts, kind, timers);
    }

    /**
     * Sends the request to the backend and returns once the answer's head arrived.
     *
     * @param fresh on a newly opened connection, for repeating a request that failed on a stale pooled one
     */
    BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh) throws IOException;

    /** New timeouts for calls started from now on; pooled connections and calls in flight are kept. */
    void timeouts(TimeoutConfig timeouts);

    /** The timeouts calls started now get. */
    TimeoutConfig timeouts();

    /** Closes pooled connections and stops the client's threads. */
    @Override
    void close();
}
