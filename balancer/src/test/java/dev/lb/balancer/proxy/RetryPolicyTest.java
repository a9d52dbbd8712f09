package dev.lb.balancer.proxy;

import dev.lb.balancer.proxy.RetryPolicy.Decision;
import dev.lb.balancer.proxy.RetryPolicy.Failure;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failed attempts are tried again, and where: the rule alone, without sockets. */
class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(2);

    /** A POST that was sent on a fresh connection and dropped before any answer: the base case below. */
    private static Failure dropped(String method) {
        return new Failure(method, true, false, false, true, false, false, 0);
    }

    @Test
    void aRequestThatNeverLeftGoesToAnotherBackendWhateverItsMethod() {
        Failure refused = new Failure("POST", false, false, false, true, false, false, 0);

        assertEquals(Decision.OTHER_BACKEND, policy.recover(refused));
    }

    @Test
    void aConnectTimeoutGoesToAnotherBackend() {
        Failure connectTimeout = new Failure("PATCH", false, false, false, true, true, false, 1);

        assertEquals(Decision.OTHER_BACKEND, policy.recover(connectTimeout));
    }

    @Test
    void noMoreOtherBackendsThanRetries() {
        assertEquals(Decision.GIVE_UP, policy.recover(new Failure("GET", false, false, false, true, false, false, 2)));
        assertEquals(Decision.GIVE_UP, policy.recover(new Failure("GET", true, false, false, true, false, false, 2)));
        assertEquals(Decision.GIVE_UP, new RetryPolicy(0).recover(new Failure("GET", false, false, false, true, false, false, 0)));
    }

    @Test
    void aFailureOnAPooledConnectionIsReplayedOnAFreshOneOnceWhateverTheMethod() {
        Failure stale = new Failure("POST", true, true, false, true, false, false, 0);
        Failure againAfterFresh = new Failure("POST", true, true, false, true, false, true, 0);

        assertEquals(Decision.FRESH_CONNECTION, policy.recover(stale));
        assertEquals(Decision.GIVE_UP, policy.recover(againAfterFresh));
    }

    @Test
    void anIdempotentRequestDroppedAfterItWentOutGoesToAnotherBackend() {
        for (String method : RetryPolicy.IDEMPOTENT) {
            assertEquals(Decision.OTHER_BACKEND, policy.recover(dropped(method)), method);
        }
    }

    @Test
    void aNonIdempotentRequestDroppedAfterItWentOutIsNotSentElsewhere() {
        for (String method : new String[]{"POST", "PATCH", "CONNECT", "PROPPATCH"}) {
            assertEquals(Decision.GIVE_UP, policy.recover(dropped(method)), method);
        }
    }

    @Test
    void aTimeoutAfterTheRequestWentOutIsNotRetriedEvenForGet() {
        Failure slow = new Failure("GET", true, false, false, true, true, false, 0);
        Failure slowOnPooled = new Failure("GET", true, true, false, true, true, false, 0);

        assertEquals(Decision.GIVE_UP, policy.recover(slow));
        assertEquals(Decision.GIVE_UP, policy.recover(slowOnPooled));
    }

    @Test
    void aBodyTooLongToHaveBeenKeptIsNeverSentAgainEvenForPut() {
        Failure bigPutOnPooled = new Failure("PUT", true, true, false, false, false, false, 0);

        assertEquals(Decision.GIVE_UP, policy.recover(bigPutOnPooled));
    }

    @Test
    void onlyRequestsThatReachedABackendDrawOnTheBudget() {
        assertFalse(RetryPolicy.drawsOnBudget(new Failure("POST", false, false, false, true, false, false, 0)),
                "refused at connect: moving it elsewhere is choosing again");
        assertTrue(RetryPolicy.drawsOnBudget(dropped("GET")));
        assertTrue(RetryPolicy.drawsOnBudget(new Failure("POST", true, true, false, true, false, false, 0)));
    }

    @Test
    void onceAnAnswerStartedNothingIsRetried() {
        Failure interimThenReset = new Failure("GET", true, true, true, true, false, false, 0);

        assertEquals(Decision.GIVE_UP, policy.recover(interimThenReset));
    }
}
