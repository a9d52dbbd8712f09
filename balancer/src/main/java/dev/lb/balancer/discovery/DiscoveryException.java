package dev.lb.balancer.discovery;

/** A source could not be asked, or gave no usable answer; the membership it last gave stays. */
public final class DiscoveryException extends Exception {
    public DiscoveryException(String message) {
        super(message);
    }
}
