package dev.lb.balancer.proxy;

/**
 * Ends a proxied exchange with an error answer to the client. Thrown before any byte of the response
 * went out; after that, the only honest signal left is closing the connection.
 */
final class ProxyException extends Exception {
    private final int status;

    ProxyException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
