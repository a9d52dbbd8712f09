package dev.lb.balancer.backend;

/**
 * The health state machine: how many consecutive check results it takes to change state. The first
 * check after start-up decides at once (the config's {@code healthy} flag is only a guess until then),
 * so a fresh balancer does not wait several intervals before using a healthy backend.
 *
 * @param healthyThreshold   consecutive successes that bring a DOWN backend UP
 * @param unhealthyThreshold consecutive failures that take an UP backend DOWN
 */
public record HealthPolicy(int healthyThreshold, int unhealthyThreshold) {

    public HealthPolicy {
        if (healthyThreshold < 1 || unhealthyThreshold < 1) {
            throw new IllegalArgumentException("thresholds must be at least 1");
        }
    }

    /**
     * The state after a check, given the streaks that include it.
     *
     * @param firstCheck whether this is the first check of the backend
     */
    public HealthState next(HealthState current, boolean firstCheck, int consecutiveSuccesses, int consecutiveFailures) {
        if (consecutiveSuccesses > 0) {
            boolean enough = firstCheck || consecutiveSuccesses >= healthyThreshold;
            return current == HealthState.DOWN && enough ? HealthState.UP : current;
        }
        boolean enough = firstCheck || consecutiveFailures >= unhealthyThreshold;
        return current == HealthState.UP && enough ? HealthState.DOWN : current;
    }
}
