package dev.lb.balancer.select;

import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.config.QueueConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission of requests to backends with a {@code maxConnections} cap, as HAProxy's {@code maxconn}
 * and its queue: a request takes a slot on a backend below its cap, chosen by the strategy among those;
 * when every backend it may go to is at its cap, it waits in one bounded FIFO queue until a slot frees,
 * and is refused when the queue is full or its wait times out.
 *
 * <p>Selection: the strategy's selector for the pool's snapshot ({@link CurrentSelector}) picks; when
 * no backend is excluded or at its cap, it picks from its precomputed view of the whole rotation,
 * otherwise among the backends left.
 *
 * <p>Concurrency: a slot is taken with {@link Backend#tryAcquire()}, a compare-and-set against the cap,
 * so two requests never both take the last one. {@link #lock} guards {@link #waiters} (and the
 * waiters' fields) only; it is held to join or leave the queue and to hand out slots, never while a
 * request waits (the waiting thread sleeps on its own condition) and never while anything else is
 * locked. With nobody waiting, a request
 * takes no lock at all. Slots are handed out on the thread that freed them: a request ending on a
 * backend ({@link #release}), or a pool change that may open room (listener callbacks).
 *
 * <p>Fairness: while anyone waits, a new request queues behind them instead of taking a free slot, and
 * freed slots go to the oldest waiter that may use them.
 */
public final class RequestQueue implements BackendListener {
    private final BackendPool pool;
    private final SelectionStrategy strategy;
    private final CurrentSelector selectors;
    private volatile QueueConfig config;
    /** Slow start, stickiness and hashing settings; replaced whole by reloads. */
    private volatile TrafficPolicy policy = TrafficPolicy.DEFAULT;

    /** Guards {@link #waiters} and the fields of each {@link Waiter}; see the class comment. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Requests waiting for a slot, oldest first. Guarded by {@link #lock}. */
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    /**
     * {@code waiters.size()}, readable without the lock. Raised before a new waiter looks for a slot
     * and read after a release lowers a backend's count, so one of the two always sees the other: a
     * freed slot never goes unnoticed by a waiter.
     */
    private final AtomicInteger length = new AtomicInteger();
    private final LongAdder queued = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder waitNanos = new LongAdder();
    /** Turns for the requests slow start sends away from a ramping backend. */
    private final AtomicLong overflowTurns = new AtomicLong();

    public RequestQueue(BackendPool pool, SelectionStrategy strategy, QueueConfig config) {
        this.pool = pool;
        this.strategy = strategy;
        this.selectors = new CurrentSelector(pool, strategy);
        this.config = config;
    }

    /** The queue's limits now. */
    public QueueConfig config() {
        return config;
    }

    /** Applies new limits to requests that join the queue from now on; those waiting keep theirs. */
    public void config(QueueConfig config) {
        this.config = config;
    }

    /** The traffic policies in effect. */
    public TrafficPolicy policy() {
        return policy;
    }

    /** Applies traffic policies to picks from now on. */
    public void policy(TrafficPolicy policy) {
        this.policy = policy;
        if (strategy instanceof ConsistentHash hash) {
            hash.balanceFactor(policy.hash().balanceFactor());
        }
    }

    /** The strategy that picks among the backends below their cap. */
    public SelectionStrategy strategy() {
        return strategy;
    }

    /** The strategy's selector for the pool's snapshot now; built by the first pick on a new snapshot. */
    public Selector selector() {
        return selectors.get();
    }

    /**
     * Takes a slot on a backend in rotation, other than {@code excluded}, waiting for one in the queue
     * when all are at their cap. Pair the backend returned with one {@link #release(Backend)}.
     *
     * @param excluded backends this request must not go to (already tried)
     * @return the backend with a slot taken for this request; empty when no backend other than
     * {@code excluded} is in rotation, so there is nothing to wait for
     * @throws Refused when the queue is full, the wait timed out or the thread was interrupted
     */
    public Optional<Backend> acquire(List<Backend> excluded) throws Refused {
        return acquire(excluded, Placement.NONE);
    }

    /**
     * {@link #acquire(List)} for a request with a hash key or a sticky cookie: the backend its cookie
     * names when that one is a candidate below its cap, otherwise the strategy's pick for its key.
     */
    public Optional<Backend> acquire(List<Backend> excluded, Placement placement) throws Refused {
        Selector selector = selectors.get();
        List<Backend> inRotation = eligible(selector, excluded);
        if (inRotation.isEmpty()) {
            return Optional.empty();
        }
        if (length.get() == 0) {
            Backend taken = take(selector, inRotation, placement);
            if (taken != null) {
                return Optional.of(taken);
            }
        }
        return Optional.ofNullable(await(excluded, placement));
    }

    /** Ends a request's exchange with {@code backend} and hands the freed slot to the oldest waiter. */
    public void release(Backend backend) {
        backend.release();
        wake();
    }

    /** Hands out slots that opened without a release: a cap raised, a backend back in rotation. */
    public void wake() {
        if (length.get() == 0) {
            return;
        }
        lock.lock();
        try {
            dispatch();
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting now. */
    public int length() {
        return length.get();
    }

    /** Requests that had to wait, since start. */
    public long totalQueued() {
        return queued.sum();
    }

    /** Requests refused because their wait reached {@code queue.timeoutMs}, since start. */
    public long totalTimeouts() {
        return timeouts.sum();
    }

    /** Requests refused because the queue was full, since start. */
    public long totalRejected() {
        return rejected.sum();
    }

    /** Time spent waiting in the queue, summed over every request that waited, in seconds. */
    public double totalWaitSeconds() {
        return waitNanos.sum() / 1e9;
    }

    @Override
    public void onHealthChange(HealthEvent event) {
        wake();
    }

    @Override
    public void onAdminChange(AdminEvent event) {
        wake();
    }

    private Backend await(List<Backend> excluded, Placement placement) throws Refused {
        QueueConfig limits = config;
        lock.lock();
        if (waiters.size() >= limits.maxSize()) {
            int waiting = waiters.size();
            lock.unlock();
            rejected.increment();
            throw new Refused(Refused.Reason.FULL, "every backend is at its maxConnections and the queue is full ("
                    + waiting + " waiting)");
        }
        long started = System.nanoTime();
        try {
            Waiter waiter = new Waiter(List.copyOf(excluded), placement, lock.newCondition());
            waiters.addLast(waiter);
            length.incrementAndGet();
            queued.increment();
            // A slot may have freed since the caller looked; older waiters are served first.
            dispatch();
            long remaining = limits.timeout().toNanos();
            try {
                while (!waiter.done) {
                    if (remaining <= 0) {
                        leave(waiter);
                        timeouts.increment();
                        throw new Refused(Refused.Reason.TIMED_OUT, "every backend stayed at its maxConnections for the "
                                + limits.timeout().toMillis() + " ms this request may wait in the queue");
                    }
                    remaining = waiter.signal.awaitNanos(remaining);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (!waiter.done) {
                    leave(waiter);
                    throw new Refused(Refused.Reason.INTERRUPTED, "the balancer is shutting down");
                }
                // A slot was handed over already: the request goes on with it, and releases it as usual.
            }
            return waiter.backend;
        } finally {
            lock.unlock();
            waitNanos.add(System.nanoTime() - started);
        }
    }

    /** Serves waiters, oldest first, from the slots free now. Called with {@link #lock} held. */
    private void dispatch() {
        // Waiters that exclude nothing all see the same backends: once one finds no slot, so do the rest.
        boolean plainBlocked = false;
        Selector selector = selectors.get();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            boolean plain = waiter.excluded.isEmpty();
            if (plain && plainBlocked) {
                continue;
            }
            List<Backend> inRotation = eligible(selector, waiter.excluded);
            Backend taken = inRotation.isEmpty() ? null : take(selector, inRotation, waiter.placement);
            if (taken == null && !inRotation.isEmpty()) {
                plainBlocked |= plain;
                continue;
            }
            // Either a slot, or no backend left in rotation to wait for: the request learns it now.
            it.remove();
            length.decrementAndGet();
            waiter.finish(taken);
        }
    }

    private void leave(Waiter waiter) {
        if (waiters.remove(waiter)) {
            length.decrementAndGet();
        }
    }

    /** The selector's backends in rotation, without {@code excluded}; its snapshot's own list when it excludes nothing. */
    private static List<Backend> eligible(Selector selector, List<Backend> excluded) {
        List<Backend> available = selector.snapshot().available();
        return excluded.isEmpty() ? available : available.stream().filter(b -> !excluded.contains(b)).toList();
    }

    /**
     * Takes a slot on the backend the request's cookie names, if it is a candidate with room; otherwise
     * on the one the selector picks among those below their cap, as slow start lets it. Null when all
     * are at their cap.
     */
    private Backend take(Selector selector, List<Backend> candidates, Placement placement) {
        Backend preferred = placement.preferred();
        if (preferred != null && candidates.contains(preferred) && preferred.tryAcquire()) {
            return preferred;
        }
        while (true) {
            List<Backend> open = belowCap(candidates);
            if (open.isEmpty()) {
                return null;
            }
            Backend chosen = warmedUp(selector.pick(open, placement).orElseThrow(), open);
            if (chosen.tryAcquire()) {
                return chosen;
            }
            // Another request took its last slot since belowCap looked: choose again among the rest.
        }
    }

    /**
     * Slow start's gate: a ramping backend keeps only its share of the turns the strategy gives it; the
     * rest go to the least loaded of the others (ties taking turns), picked here rather than by the
     * strategy, so the strategy's own turns are not shifted and the share comes out as configured. When
     * every backend ramps, the work still gets done. A request never waits because of a ramp.
     */
    private Backend warmedUp(Backend chosen, List<Backend> open) {
        java.time.Duration window = policy.slowStart();
        if (window.isZero() || chosen.enteredRotation() == null || open.size() == 1) {
            return chosen;
        }
        double share = SlowStart.share(chosen.enteredRotation(), pool.clock().instant(), window);
        if (share >= 1 || chosen.rampTurn(share)) {
            return chosen;
        }
        int n = open.size();
        int offset = (int) Math.floorMod(overflowTurns.getAndIncrement(), (long) n);
        Backend best = null;
        for (int i = 0; i < n; i++) {
            Backend b = open.get((offset + i) % n);
            if (b != chosen && (best == null
                    || (long) b.inFlight() * Math.max(1, best.weight()) < (long) best.inFlight() * Math.max(1, b.weight()))) {
                best = b;
            }
        }
        return best;
    }

    /**
     * The candidates below their cap: the same list instance when all are, so the selector takes its
     * precomputed path in the common case.
     */
    static List<Backend> belowCap(List<Backend> candidates) {
        int n = candidates.size();
        for (int i = 0; i < n; i++) {
            if (!candidates.get(i).belowCap()) {
                List<Backend> open = new ArrayList<>(n - 1);
                for (int j = 0; j < n; j++) {
                    Backend b = candidates.get(j);
                    if (j != i && (j < i || b.belowCap())) {
                        open.add(b);
                    }
                }
                return open;
            }
        }
        return candidates;
    }

    /** One request waiting for a slot. Fields are guarded by the queue's lock. */
    private static final class Waiter {
        final List<Backend> excluded;
        final Placement placement;
        final Condition signal;
        boolean done;
        /** The backend whose slot was handed over; null when none was left in rotation. */
        Backend backend;

        Waiter(List<Backend> excluded, Placement placement, Condition signal) {
            this.excluded = excluded;
            this.placement = placement;
            this.signal = signal;
        }

        void finish(Backend backend) {
            this.backend = backend;
            this.done = true;
            signal.signal();
        }
    }

    /** A request the queue turned away; its message is one line fit for the client. */
    public static final class Refused extends Exception {
        /** Why the request was turned away. */
        public enum Reason {
            /** The queue already held {@code queue.maxSize} requests. */
            FULL,
            /** The request waited {@code queue.timeoutMs} without getting a slot. */
            TIMED_OUT,
            /** The request thread was interrupted while waiting: the balancer is stopping. */
            INTERRUPTED
        }

        private final Reason reason;

        Refused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }
}
