package dev.lb.balancer;

/** The balancer cannot start; the message is one line for the operator. */
public final class StartupException extends Exception {
    public StartupException(String message) {
        super(message);
    }
}
