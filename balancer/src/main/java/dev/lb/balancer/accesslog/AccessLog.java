package dev.lb.balancer.accesslog;

/**
 * Where the proxy reports each finished exchange. Called on request threads, so an implementation
 * must never block: {@link AccessLogWriter} queues the entry and drops it when its queue is full.
 */
public interface AccessLog {
    /** No access log: nothing is gathered or written. */
    AccessLog OFF = new AccessLog() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void log(AccessLogEntry entry) {
        }
    };

    /** Whether entries are wanted; when false the proxy does not build them at all. */
    boolean enabled();

    /** Takes one finished exchange; returns at once. */
    void log(AccessLogEntry entry);
}
