package dev.lb.balancer.tls;

/** A certificate or key that cannot be served; the message is one line naming the file and the problem. */
public final class TlsException extends Exception {
    public TlsException(String message) {
        super(message, null, false, false);
    }
}
