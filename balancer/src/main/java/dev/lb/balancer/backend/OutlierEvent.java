package dev.lb.balancer.backend;

import java.time.Duration;
import java.time.Instant;

/**
 * A backend was ejected for bad answers, or came back from an ejection.
 *
 * @param backend  the backend's name
 * @param url      the backend's base URL
 * @param kind     what happened
 * @param reason   why, e.g. "5 consecutive 5xx", "5xx on probation", "HTTP 200 on probation"
 * @param ejection how long the ejection lasts, for {@link Kind#EJECTED}; zero otherwise
 * @param at       when it was decided
 */
public record OutlierEvent(String backend, String url, Kind kind, String reason, Duration ejection, Instant at) {

    /** The steps of an ejection. */
    public enum Kind {
        /** Taken out of rotation for {@code ejection}. */
        EJECTED,
        /** The ejection time is over: back in rotation on probation. */
        RETURNED,
        /** A good answer on probation: fully back, and the next ejection is a first one again. */
        READMITTED,
        /** An operator's enable ended the ejection or probation at once. */
        ENDED
    }
}
