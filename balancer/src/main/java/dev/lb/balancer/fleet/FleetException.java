package dev.lb.balancer.fleet;

/** A fleet-wide change could not be written to etcd; the message is one line naming what to do. */
public final class FleetException extends Exception {
    public FleetException(String message) {
        super(message);
    }
}
