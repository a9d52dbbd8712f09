package dev.lb.balancer.config;

import java.time.Duration;

/**
 * Limits on the exchanges with backends and clients.
 *
 * @param connect     time allowed to open a TCP connection to a backend
 * @param read        longest silence allowed while waiting for the backend's response (headers or body)
 * @param backendIdle how long an idle pooled backend connection is kept; below the backends' own idle
 *                    timeout, so the balancer never reuses a connection the backend is closing
 * @param requestHead time a client has to send a complete request line and headers, once it has sent
 *                    the first byte of them
 * @param requestBodyIdle longest silence allowed from a client in the middle of its request body
 */
public record TimeoutConfig(Duration connect, Duration read, Duration backendIdle, Duration requestHead,
                            Duration requestBodyIdle) {
    public static final Duration DEFAULT_BACKEND_IDLE = Duration.ofSeconds(4);
    public static final Duration DEFAULT_REQUEST_HEAD = Duration.ofSeconds(10);
    public static final Duration DEFAULT_REQUEST_BODY_IDLE = Duration.ofSeconds(30);

    /** Backend limits only; client limits take their defaults. */
    public TimeoutConfig(Duration connect, Duration read) {
        this(connect, read, DEFAULT_BACKEND_IDLE, DEFAULT_REQUEST_HEAD, DEFAULT_REQUEST_BODY_IDLE);
    }
}
