package dev.lb.balancer.backend;

import dev.lb.balancer.config.ServerConfig;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend server and its live counters. The counters are updated by request threads without locks;
 * health state, admin state and weight are owned by the {@link BackendPool}, which alone changes them.
 */
public final class Backend {
    /** How many health changes each backend remembers for operators. */
    public static final int HISTORY_SIZE = 20;

    private final String name;
    private final URI url;
    private final BackendSource source;
    private volatile int weight;
    /** The cap on {@link #inFlight}; {@link ServerConfig#NO_LIMIT} for none. Changed by reloads. */
    private volatile int maxConnections;
    private volatile AdminState adminState = AdminState.READY;
    /** Set only while draining; request threads read it once per release. */
    private volatile Drain drain;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder checks = new LongAdder();
    private final LongAdder checkFailures = new LongAdder();
    /** The pool's totals, which this backend's exchanges also count in; null until it joins a pool. */
    private volatile ExchangeTotals totals;
    private volatile HealthState health;
    private final AtomicReference<CheckResult> lastCheck = new AtomicReference<>();
    private volatile String lastError = "";
    private volatile int consecutiveSuccesses;
    private volatile int consecutiveFailures;
    /**
     * The last health changes, oldest first. Guarded by its own monitor: the pool's control context
     * appends to it, status and admin readers copy it on their own threads. Never touched by requests.
     */
    private final Deque<HealthEvent> history = new ArrayDeque<>(HISTORY_SIZE);
    /** The opaque ID a sticky cookie names this backend by; see {@link StickyIds}. */
    private final String stickyId;

    // Traffic policies. The pool sets the instants and the ejection state in its control context; request
    // threads read them and update the two counters without locks.
    /** When the backend last entered rotation, for slow start; null for one in rotation since start. */
    private volatile Instant enteredRotation;
    /** Slow-start gate turns, so a ramping backend admits exactly its share of the requests offered. */
    private final AtomicLong rampTurns = new AtomicLong();
    /** 5xx answers in a row; reset by any other answer. */
    private final AtomicInteger consecutive5xx = new AtomicInteger();
    /** Connect time-outs seen by requests since the last answer; see {@link #recordConnectTimeout}. */
    private final AtomicInteger connectTimeoutsInARow = new AtomicInteger();
    /** Out of rotation for bad answers until this instant; null when not ejected. */
    private volatile Instant ejectedUntil;
    private volatile String ejectionReason = "";
    /** Back from an ejection: one success re-admits it, one 5xx ejects it again. */
    private volatile boolean probation;
    /** Ejections since it was last re-admitted; doubles the next one. Written only in the pool's control context. */
    private int ejectionsInARow;
    private final LongAdder ejections = new LongAdder();

    public Backend(ServerConfig config) {
        this(config, BackendSource.CONFIG);
    }

    public Backend(ServerConfig config, BackendSource source) {
        this.source = source;
        this.name = config.name();
        this.url = config.url();
        this.weight = config.weight();
        this.maxConnections = config.maxConnections();
        this.health = config.initialHealthy() ? HealthState.UP : HealthState.DOWN;
        this.stickyId = StickyIds.of(url);
    }

    /** The opaque ID sticky cookies carry for this backend: stable across restarts, never its address. */
    public String stickyId() {
        return stickyId;
    }

    /** When the backend last entered rotation (came UP, was enabled, added, re-admitted); null if in it since start. */
    public Instant enteredRotation() {
        return enteredRotation;
    }

    void enteredRotation(Instant at) {
        this.enteredRotation = at;
        this.rampTurns.set(0);
    }

    /**
     * One turn of the slow-start gate: true for {@code share} of the turns, spread evenly (for 0.25,
     * every fourth), so a ramping backend takes its share exactly rather than by chance.
     */
    public boolean rampTurn(double share) {
        long k = rampTurns.getAndIncrement();
        return (long) Math.floor((k + 1) * share) > (long) Math.floor(k * share);
    }

    /**
     * Counts a request whose connect to this backend timed out; the time-outs in a row with no answer
     * between them, this one included (see {@link #recordReached}).
     */
    public int recordConnectTimeout() {
        return connectTimeoutsInARow.incrementAndGet();
    }

    /** The backend answered a request: a run of connect time-outs is over. */
    public void recordReached() {
        // Read first: the common case (no run) writes nothing, so answers do not contend on one line.
        if (connectTimeoutsInARow.get() != 0) {
            clearConnectTimeouts();
        }
    }

    /** Starts counting connect time-outs afresh: after an answer, or once they took the backend out. */
    public void clearConnectTimeouts() {
        connectTimeoutsInARow.set(0);
    }

    /** Counts a 5xx answer; the 5xx answers in a row, this one included. */
    public int record5xx() {
        return consecutive5xx.incrementAndGet();
    }

    /** Counts an answer below 500: the run of 5xx answers is over. */
    public void recordNon5xx() {
        if (consecutive5xx.get() != 0) {
            consecutive5xx.set(0);
        }
    }

    public int consecutive5xx() {
        return consecutive5xx.get();
    }

    /** Whether the backend is out of rotation for bad answers. */
    public boolean ejected() {
        return ejectedUntil != null;
    }

    /** When the current ejection ends; null when not ejected. */
    public Instant ejectedUntil() {
        return ejectedUntil;
    }

    /** Why the backend was last ejected, e.g. "5 consecutive 5xx"; empty if never. */
    public String ejectionReason() {
        return ejectionReason;
    }

    /** Back from an ejection and not yet re-admitted by a good answer. */
    public boolean onProbation() {
        return probation;
    }

    /** Ejections since start. */
    public long totalEjections() {
        return ejections.sum();
    }

    int ejectionsInARow() {
        return ejectionsInARow;
    }

    /** Starts the next ejection in a row; returns its number in the row (1 for the first). In the pool's control context. */
    int eject(Instant until, String reason) {
        ejectionsInARow++;
        ejections.increment();
        ejectedUntil = until;
        ejectionReason = reason;
        probation = false;
        consecutive5xx.set(0);
        return ejectionsInARow;
    }

    /** The ejection time is over: back in rotation on probation. In the pool's control context. */
    void returnOnProbation() {
        ejectedUntil = null;
        probation = true;
    }

    /** A good answer on probation, or an operator's enable: no ejection, and the doubling starts over. In the pool's control context. */
    void readmit() {
        ejectedUntil = null;
        probation = false;
        ejectionsInARow = 0;
        consecutive5xx.set(0);
    }

    public String name() {
        return name;
    }

    /** Where this backend came from: the config file, an operator, or a discovery source. */
    public BackendSource source() {
        return source;
    }

    /** Base URL, {@code scheme://host:port} without a trailing slash. */
    public URI url() {
        return url;
    }

    /** Share of new work relative to the other backends; 0 means no new work. Changes at run time. */
    public int weight() {
        return weight;
    }

    void countInto(ExchangeTotals totals) {
        this.totals = totals;
    }

    void weight(int weight) {
        this.weight = weight;
    }

    /** The most requests in flight at once, {@link ServerConfig#NO_LIMIT} for no cap. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Changes the cap for requests that start from now on; requests in flight above it finish. */
    public void maxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** Whether one more request may start now without going over {@link #maxConnections()}. */
    public boolean belowCap() {
        int max = maxConnections;
        return max == ServerConfig.NO_LIMIT || inFlight.get() < max;
    }

    public AdminState adminState() {
        return adminState;
    }

    void adminState(AdminState state) {
        this.adminState = state;
    }

    /** The drain in progress, or null when the backend is not draining. */
    public Drain drain() {
        return drain;
    }

    void drain(Drain drain) {
        this.drain = drain;
    }

    public HealthState health() {
        return health;
    }

    void health(HealthState state) {
        this.health = state;
    }

    /** Requests being proxied to this backend right now. */
    public int inFlight() {
        return inFlight.get();
    }

    public long totalRequests() {
        return requests.sum();
    }

    public long totalFailures() {
        return failures.sum();
    }

    /** Marks the start of one exchange; pair with exactly one {@link #release()}. */
    public void acquire() {
        inFlight.incrementAndGet();
        requests.increment();
        ExchangeTotals pool = totals;
        if (pool != null) {
            pool.requestStarted();
        }
    }

    /**
     * Starts one exchange if the backend is below its cap, atomically with the check: of two requests
     * racing for the last slot, one gets it. Pair a success with exactly one {@link #release()}.
     *
     * @return false, changing nothing, when the backend is at its {@link #maxConnections()}
     */
    public boolean tryAcquire() {
        if (maxConnections == ServerConfig.NO_LIMIT) {
            // No cap to check against: one atomic add, which never retries under contention as a CAS can.
            acquire();
            return true;
        }
        while (true) {
            int max = maxConnections;
            int current = inFlight.get();
            if (max != ServerConfig.NO_LIMIT && current >= max) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                requests.increment();
                return true;
            }
        }
    }

    /** Marks the end of an exchange started with {@link #acquire()} or {@link #tryAcquire()}. */
    public void release() {
        int remaining = inFlight.decrementAndGet();
        Drain current = drain;
        if (current != null) {
            current.inFlightChanged(remaining);
        }
    }

    /** Counts one failed exchange (no usable answer from this backend). */
    public void recordFailure(String reason) {
        failures.increment();
        ExchangeTotals pool = totals;
        if (pool != null) {
            pool.failed();
        }
        lastError = reason;
    }

    public CheckResult lastCheck() {
        return lastCheck.get();
    }

    /** Active health checks run against this backend. */
    public long totalChecks() {
        return checks.sum();
    }

    /** Active health checks this backend failed. */
    public long totalCheckFailures() {
        return checkFailures.sum();
    }

    public String lastError() {
        return lastError;
    }

    public int consecutiveSuccesses() {
        return consecutiveSuccesses;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    /**
     * A request found the backend unreachable: it counts as a failed check, so coming back takes a full
     * run of healthy checks. Called by the pool in its control context.
     */
    void recordUnreachable(String reason) {
        consecutiveFailures++;
        consecutiveSuccesses = 0;
        lastError = reason;
    }

    /** Records a check result and updates the streaks; called by the pool in its control context. */
    void recordCheck(CheckResult result) {
        lastCheck.set(result);
        checks.increment();
        if (result.healthy()) {
            consecutiveSuccesses++;
            consecutiveFailures = 0;
        } else {
            consecutiveFailures++;
            consecutiveSuccesses = 0;
            checkFailures.increment();
            lastError = result.detail();
        }
    }

    /**
     * Forgets past check results so the next check decides the state at once, as the first check after
     * start-up does; used when a backend returns from maintenance.
     */
    void resetChecks() {
        lastCheck.set(null);
        consecutiveSuccesses = 0;
        consecutiveFailures = 0;
    }

    /** The last {@value #HISTORY_SIZE} health changes, oldest first. */
    public List<HealthEvent> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    void recordEvent(HealthEvent event) {
        synchronized (history) {
            if (history.size() == HISTORY_SIZE) {
                history.removeFirst();
            }
            history.addLast(event);
        }
    }

    @Override
    public String toString() {
        return name.equals(url.toString()) ? name : name + " (" + url + ")";
    }
}
