package dev.lb.balancer.discovery;

import java.time.Instant;

/**
 * One discovery source at one instant, for {@code lbctl status} and metrics.
 *
 * @param name        the source as the config names it, e.g. {@code srv _http._tcp.api} or {@code etcd /lb/backends/}
 * @param state       whether its last attempt gave an answer
 * @param backends    how many backends it named in the answer applied last
 * @param lastError   why the last attempt failed; empty when it did not
 * @param lastSuccess when an answer last arrived; null before the first
 * @param failures    failed attempts since start
 */
public record SourceStatus(String name, State state, int backends, String lastError, Instant lastSuccess,
                           long failures) {
    /** A source's health as the balancer sees it. */
    public enum State {
        /** Not asked yet. */
        STARTING,
        /** The last attempt gave an answer. */
        OK,
        /** The last attempt failed; the membership it last gave stays. */
        FAILING
    }
}
