package dev.lb.balancer.discovery;

/**
 * Whether an answer naming no backend is applied. One bad answer (a name briefly missing during a DNS
 * zone push, a prefix rewritten key by key) must not empty a pool that is serving: an empty answer while
 * the source still has backends is held back once, and applied only if the next one is empty too.
 * Owned by one source's refresh thread.
 */
final class EmptyAnswerGuard {
    private boolean heldOnce;

    /**
     * @param answerSize      how many backends the new answer names
     * @param currentBackends how many backends the source has in the pool now
     * @return true to apply the answer, false to keep the pool as it is until the next refresh
     */
    boolean apply(int answerSize, int currentBackends) {
        if (answerSize > 0 || currentBackends == 0) {
            heldOnce = false;
            return true;
        }
        if (!heldOnce) {
            heldOnce = true;
            return false;
        }
        heldOnce = false;
        return true;
    }
}
