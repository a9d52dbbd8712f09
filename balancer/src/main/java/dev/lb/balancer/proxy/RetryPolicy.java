package dev.lb.balancer.proxy;

import java.util.Set;

/**
 * Decides whether a request that failed on a backend is tried again, and where. One function,
 * {@link #recover(Failure)}, with one reason per early return, so the whole rule reads top to bottom
 * (OkHttp's {@code RetryAndFollowUpInterceptor.recover()} is the model). It says what is safe; whether
 * the pool can afford it is the {@link RetryBudget}'s call.
 */
public final class RetryPolicy {
    /**
     * Methods a client may repeat without changing the outcome, RFC 9110 section 9.2.2. PATCH and POST
     * are not among them: a backend that got one and then failed may have acted on it.
     */
    static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

    /** What to do with a failed attempt. */
    public enum Decision {
        /** Send it again to the same backend, on a newly opened connection. */
        FRESH_CONNECTION,
        /** Send it to another backend. */
        OTHER_BACKEND,
        /** Answer the client with this failure. */
        GIVE_UP;

        /** The label of this retry in the metrics. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * What is known about one failed attempt.
     *
     * @param method               the request's method
     * @param requestSent          whether any byte of the request was written to the backend
     * @param reusedConnection     whether the attempt ran on a pooled connection rather than one it opened
     * @param responseStarted      whether any of the backend's answer arrived
     * @param bodyResendable       whether the request has no body, or all of it consumed so far was kept
     * @param timeout              whether the attempt failed by a timeout (connect, read or write)
     * @param freshConnectionTried whether this backend already got the request again on a fresh connection
     * @param otherBackendsTried   how many backends this request has already failed on before this one
     */
    record Failure(String method, boolean requestSent, boolean reusedConnection, boolean responseStarted,
                   boolean bodyResendable, boolean timeout, boolean freshConnectionTried, int otherBackendsTried) {
    }

    private final int retries;

    /** @param retries how many other backends one request may be tried on */
    RetryPolicy(int retries) {
        this.retries = retries;
    }

    Decision recover(Failure failure) {
        // Part of an answer arrived: the backend took the request, and the exchange cannot be undone.
        if (failure.responseStarted()) {
            return Decision.GIVE_UP;
        }
        // The client's body went out and was too long to keep: there is nothing left to send again.
        if (!failure.bodyResendable()) {
            return Decision.GIVE_UP;
        }
        // Nothing reached the backend (refused, connect timeout): safe anywhere, whatever the method.
        if (!failure.requestSent()) {
            return failure.otherBackendsTried() < retries ? Decision.OTHER_BACKEND : Decision.GIVE_UP;
        }
        // Silence after the request went out: the backend may still be working on it, and a slow backend
        // given a second copy gets slower. As HAProxy and Envoy by default, a timeout is not retried.
        if (failure.timeout()) {
            return Decision.GIVE_UP;
        }
        // A pooled connection failing before any answer was most likely closed by the backend while it
        // was idle, the request never read: the backend did nothing wrong. Once per backend, so a
        // backend that really drops requests is not sent each one twice.
        if (failure.reusedConnection() && !failure.freshConnectionTried()) {
            return Decision.FRESH_CONNECTION;
        }
        // The backend may have acted on the request before failing: only a method that can be repeated
        // without changing the outcome goes elsewhere.
        if (!IDEMPOTENT.contains(failure.method())) {
            return Decision.GIVE_UP;
        }
        // Each request tries at most `retries` other backends, so a failing pool sees a bounded multiple.
        if (failure.otherBackendsTried() >= retries) {
            return Decision.GIVE_UP;
        }
        return Decision.OTHER_BACKEND;
    }

    /**
     * Whether a retry of this failure draws on the {@link RetryBudget}. Only a request that reached a
     * backend does: the budget is there so a failing pool is not sent its work several times over. A
     * request refused at connect cost no backend any work, and moving it elsewhere is choosing again;
     * the refusing backend leaves rotation at once, so these are few but for a backend flapping up and
     * down, whose clients should not get 502s while others can answer.
     */
    static boolean drawsOnBudget(Failure failure) {
        return failure.requestSent();
    }
}
