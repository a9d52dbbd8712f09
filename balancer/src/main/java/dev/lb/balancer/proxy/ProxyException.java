package dev.lb.balancer.proxy;

/**
 * Ends a proxied exchange with an error answer to the client. Thrown before any byte of the response
 * went out; after that, the only honest signal left is closing the connection.
 */
final class ProxyException extends Exception {
    private final int status;
    private final int retryAfterSeconds;

    ProxyException(int status, String message) {
        this(status, message, 0);
    }

    private ProxyException(int status, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** An answer that tells the client when to try again ({@code Retry-After}, RFC 9110 10.2.3). */
    static ProxyException retryLater(int status, String message, int retryAfterSeconds) {
        return new ProxyException(status, message, retryAfterSeconds);
    }

    int status() {
        return status;
    }

    /** Seconds for a {@code Retry-After} header; 0 for none. */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
