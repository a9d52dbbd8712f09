package dev.lb.balancer.health;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthState;

import java.time.Duration;
import java.util.List;

/**
 * The wait, at start-up, for every backend's first health check. The balancer opens its proxy port
 * only after it, so the first requests meet the backends' checked states instead of the config's
 * guesses (a backend not marked {@code "healthy": true} would otherwise answer 503 until its check
 * came back). The wait is bounded: a check that has not answered within its timeout has failed anyway.
 */
public final class FirstCheckRound {
    /** Between looks at the pool; short next to a check's round trip, long next to a look's cost. */
    private static final long POLL_MILLIS = 5;

    private FirstCheckRound() {
    }

    /**
     * Waits, on the calling thread, until every backend has {@linkplain #answered answered} or
     * {@code limit} has passed.
     *
     * @return the backends that had not answered by then; empty when the round completed
     */
    public static List<Backend> await(BackendPool pool, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<Backend> waiting = pool.all().stream().filter(backend -> !answered(backend)).toList();
            if (waiting.isEmpty() || System.nanoTime() - deadline >= 0) {
                return waiting;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Whether the backend's state no longer rests on a guess that could turn requests away: it is UP
     * (the config said so, or a check passed), a check failed, or it is not checked at all (an operator
     * took it out of rotation).
     */
    static boolean answered(Backend backend) {
        if (backend.health() == HealthState.UP || backend.adminState() != AdminState.READY) {
            return true;
        }
        CheckResult last = backend.lastCheck();
        // A passing first check is recorded a moment before the pool, in the same change, turns the backend
        // UP: wait for the state, which the next look sees. Later checks may pass without turning it UP
        // (healthyThreshold), so from the second one any answer counts.
        return last != null && (!last.healthy() || backend.totalChecks() > 1);
    }
}
