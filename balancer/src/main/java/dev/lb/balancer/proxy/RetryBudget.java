package dev.lb.balancer.proxy;

import dev.lb.balancer.config.RetryBudgetConfig;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Caps retries of requests that reached a backend (to another backend, and replays on a fresh
 * connection; see {@link RetryPolicy#drawsOnBudget}) as a share of recent requests:
 * a retry is allowed while the retries of the last {@value #WINDOW_SECONDS} s stay below
 * {@code max(minPerSecond * window, percent% of the requests in the window)}. When every backend
 * fails, clients then get the failure at once instead of the pool getting each request several times.
 *
 * <p>The window is {@value #WINDOW_SECONDS} buckets of one second. Counting a request is a
 * {@link LongAdder} increment (request threads share no contended atomic); a bucket is cleared once,
 * under its own lock, by the first thread to use it in a new second. A count made by a thread that read
 * the clock just before a bucket turned over may land in the new second: off by one at the edge of a
 * window, which a budget can afford. Deciding a retry is rare and takes the budget's lock, so the cap
 * holds exactly.
 */
public final class RetryBudget {
    static final int WINDOW_SECONDS = 10;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final Bucket[] buckets = new Bucket[WINDOW_SECONDS];
    private volatile RetryBudgetConfig config;

    /** @param nanoTime the clock, {@link System#nanoTime()} outside tests */
    public RetryBudget(RetryBudgetConfig config, LongSupplier nanoTime) {
        this.config = config;
        this.nanoTime = nanoTime;
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new Bucket();
        }
    }

    public RetryBudget(RetryBudgetConfig config) {
        this(config, System::nanoTime);
    }

    /** Applies new limits at once; the counts of the window are kept. */
    public void config(RetryBudgetConfig next) {
        this.config = next;
    }

    public RetryBudgetConfig config() {
        return config;
    }

    /** One client request arrived; it may later draw on the budget. */
    void requestStarted() {
        current().requests.increment();
    }

    /**
     * Takes one retry from the budget if there is one left.
     *
     * @return false when retries in the window have reached the cap: the request must not be retried
     */
    synchronized boolean tryRetry() {
        long second = second();
        long requests = 0;
        long retries = 0;
        for (Bucket bucket : buckets) {
            if (bucket.second > second - WINDOW_SECONDS && bucket.second <= second) {
                requests += bucket.requests.sum();
                retries += bucket.retries.sum();
            }
        }
        if (retries >= allowed(config, requests)) {
            return false;
        }
        bucket(second).retries.increment();
        return true;
    }

    /** The cap on retries in a window holding {@code requests} requests. */
    static long allowed(RetryBudgetConfig config, long requests) {
        return Math.max((long) config.minPerSecond() * WINDOW_SECONDS, requests * config.percent() / 100);
    }

    private Bucket current() {
        return bucket(second());
    }

    private long second() {
        return Math.floorDiv(nanoTime.getAsLong(), NANOS_PER_SECOND);
    }

    private Bucket bucket(long second) {
        Bucket bucket = buckets[(int) Math.floorMod(second, (long) WINDOW_SECONDS)];
        if (bucket.second != second) {
            bucket.turnOver(second);
        }
        return bucket;
    }

    /** One second's counts. {@link #second} is the second they belong to; the lock guards turning over. */
    private static final class Bucket {
        private volatile long second = Long.MIN_VALUE;
        private final LongAdder requests = new LongAdder();
        private final LongAdder retries = new LongAdder();

        synchronized void turnOver(long to) {
            if (second != to) {
                requests.reset();
                retries.reset();
                second = to;
            }
        }
    }
}
