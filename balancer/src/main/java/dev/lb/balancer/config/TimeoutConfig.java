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
 */
public record TimeoutConfig(Duration connect, Duration read, Duration backendIdle, Duration requestHead) {
    public static final Duration DEFAULT_BACKEND_IDLE = Duration.ofSeconds(4);
    public static final Duration DEFAULT_REQUEST_HEAD = Duration.ofSeconds(10);

    /** Backend limits only; client limits take their defaults. */
    public TimeoutConfig(Duration connect, Duration read) {
        this(connect, read, DEFAULT_BACKEND_IDLE, DEFAULT_REQUEST_HEAD);
    }
}
