package dev.lb.balancer.backend;

/**
 * A drain ended before its last request did: the backend was set ready or put in maintenance, or
 * removed, while requests were still in flight. The message says which.
 */
public final class DrainAbandonedException extends RuntimeException {
    public DrainAbandonedException(String message) {
        super(message, null, false, false);
    }
}
