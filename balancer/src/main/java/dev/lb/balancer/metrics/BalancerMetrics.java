package dev.lb.balancer.metrics;

import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.proxy.ExchangeObserver;
import dev.lb.balancer.select.ConsistentHash;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.select.SlowStart;
import dev.lb.balancer.proxy.RetryPolicy;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The balancer's Prometheus metrics. Request threads update counters and histograms through data
 * points cached per backend (no label lookup, no shared lock per request); the histograms are the
 * balancer's own {@link StripedHistogram}s, whose observations share no atomic between threads.
 * Backend state (up, admin state, in flight, weight, health checks) is read from the pool only when
 * Prometheus scrapes.
 */
public final class BalancerMetrics implements ExchangeObserver, BackendListener {
    /** Latency buckets in seconds, from a fast cache hit to the default read timeout. */
    static final double[] LATENCY_BUCKETS = {
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    /**
     * Status classes by {@code status / 100}; index 0 is "no response", the last one a three-digit
     * code outside RFC 9110's classes (600-999), which is relayed as it came.
     */
    static final String[] CODE_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    private static final int OTHER = CODE_CLASSES.length - 1;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter backendRequests;
    private final HistogramFamily backendDuration;
    private final Counter retries;
    private final Counter retriesRefused;
    private final Counter reloads;
    private final CounterDataPoint[] requestsByClass = new CounterDataPoint[CODE_CLASSES.length];
    private final StripedHistogram requestDuration;
    private final Map<Backend, BackendSeries> series = new ConcurrentHashMap<>();
    private final BackendPool pool;

    public BalancerMetrics(BackendPool pool) {
        this(pool, null);
    }

    /** Metrics that include the request queue's, when {@code queue} is not null. */
    public BalancerMetrics(BackendPool pool, RequestQueue queue) {
        this.pool = pool;
        Counter requests = Counter.builder().name("lb_requests")
                .help("Client requests answered, by status class of the answer (none: no answer could be sent; other: a status of 600 or more)")
                .labelNames("code_class").withoutExemplars().register(registry);
        for (int i = 0; i < CODE_CLASSES.length; i++) {
            requestsByClass[i] = requests.labelValues(CODE_CLASSES[i]);
        }
        HistogramFamily duration = new HistogramFamily("lb_request_duration_seconds",
                "Time from receiving a client request to the end of its answer, retries included", LATENCY_BUCKETS);
        registry.register(duration);
        requestDuration = duration.series();
        backendRequests = Counter.builder().name("lb_backend_requests")
                .help("Attempts sent to each backend, by status class of its answer (none: no answer, e.g. refused or timed out; other: a status of 600 or more)")
                .labelNames("backend", "code_class").withoutExemplars().register(registry);
        backendDuration = new HistogramFamily("lb_backend_request_duration_seconds",
                "Time from sending an attempt to a backend to the end of its answer", LATENCY_BUCKETS, "backend");
        registry.register(backendDuration);
        retries = Counter.builder().name("lb_retries")
                .help("Requests sent again after failing on this backend, by where: fresh_connection (the same "
                        + "backend, on a new connection) or other_backend")
                .labelNames("backend", "reason").withoutExemplars().register(registry);
        retriesRefused = Counter.builder().name("lb_retry_budget_exhausted")
                .help("Failed requests that could have been retried but were answered with their failure: "
                        + "the retry budget was spent")
                .withoutExemplars().register(registry);
        reloads = Counter.builder().name("lb_config_reloads")
                .help("Config reloads, by result (applied or rejected)")
                .labelNames("result").withoutExemplars().register(registry);
        reloads.initLabelValues("applied");
        reloads.initLabelValues("rejected");
        registerBackendState(pool);
        if (queue != null) {
            registerQueue(queue);
            registerPolicies(queue);
        }
        JvmMetrics.builder().register(registry);
        pool.addListener(this);
    }

    private void registerBackendState(BackendPool pool) {
        GaugeWithCallback.builder().name("lb_backend_up")
                .help("1 when the backend passes its health checks, 0 when it does not")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.health() == HealthState.UP ? 1 : 0, b.name())))
                .register(registry);
        GaugeWithCallback.builder().name("lb_backend_admin_state")
                .help("1 for the backend's current admin state (ready, draining, maintenance), 0 for the others")
                .labelNames("backend", "state")
                .callback(cb -> pool.all().forEach(b -> {
                    for (AdminState state : AdminState.values()) {
                        cb.call(b.adminState() == state ? 1 : 0, b.name(), state.label());
                    }
                }))
                .register(registry);
        GaugeWithCallback.builder().name("lb_backend_in_flight")
                .help("Requests being proxied to the backend right now")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.inFlight(), b.name())))
                .register(registry);
        GaugeWithCallback.builder().name("lb_backend_weight")
                .help("The backend's current weight (0: no new work)")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.weight(), b.name())))
                .register(registry);
        CounterWithCallback.builder().name("lb_health_checks")
                .help("Active health checks run against the backend")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.totalChecks(), b.name())))
                .register(registry);
        CounterWithCallback.builder().name("lb_health_check_failures")
                .help("Active health checks the backend failed")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.totalCheckFailures(), b.name())))
                .register(registry);
    }

    /** The queue is read when Prometheus scrapes: request threads pay nothing for these. */
    private void registerQueue(RequestQueue queue) {
        GaugeWithCallback.builder().name("lb_queue_length")
                .help("Requests waiting for a backend below its maxConnections")
                .callback(cb -> cb.call(queue.length()))
                .register(registry);
        GaugeWithCallback.builder().name("lb_queue_max_size")
                .help("The most requests that may wait in the queue (queue.maxSize)")
                .callback(cb -> cb.call(queue.config().maxSize()))
                .register(registry);
        CounterWithCallback.builder().name("lb_queued_requests")
                .help("Requests that had to wait in the queue, whatever the outcome")
                .callback(cb -> cb.call(queue.totalQueued()))
                .register(registry);
        CounterWithCallback.builder().name("lb_queue_timeouts")
                .help("Requests answered 503 because their wait in the queue reached queue.timeoutMs")
                .callback(cb -> cb.call(queue.totalTimeouts()))
                .register(registry);
        CounterWithCallback.builder().name("lb_queue_rejected")
                .help("Requests answered 503 at once because the queue was full")
                .callback(cb -> cb.call(queue.totalRejected()))
                .register(registry);
        CounterWithCallback.builder().name("lb_queue_wait_seconds")
                .help("Time requests spent waiting in the queue, summed")
                .callback(cb -> cb.call(queue.totalWaitSeconds()))
                .register(registry);
        GaugeWithCallback.builder().name("lb_backend_max_connections")
                .help("The backend's cap on requests in flight (maxConnections); 0 means no limit")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.maxConnections(), b.name())))
                .register(registry);
    }

    /** Slow start, ejections and the hash's load bound, read when Prometheus scrapes. */
    private void registerPolicies(RequestQueue queue) {
        GaugeWithCallback.builder().name("lb_backend_slow_start_share")
                .help("The share of its turns a backend ramping up after entering rotation takes (0.1 to 1; 1 when not ramping)")
                .labelNames("backend")
                .callback(cb -> {
                    java.time.Instant now = pool.clock().instant();
                    pool.all().forEach(b -> cb.call(SlowStart.share(b.enteredRotation(), now, queue.policy().slowStart()), b.name()));
                })
                .register(registry);
        GaugeWithCallback.builder().name("lb_backend_ejected")
                .help("1 while the backend is out of rotation for 5xx answers (passiveHealth), 0 otherwise")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.ejected() ? 1 : 0, b.name())))
                .register(registry);
        CounterWithCallback.builder().name("lb_backend_ejections")
                .help("Times the backend was ejected for 5xx answers in a row")
                .labelNames("backend")
                .callback(cb -> pool.all().forEach(b -> cb.call(b.totalEjections(), b.name())))
                .register(registry);
        if (queue.strategy() instanceof ConsistentHash hash) {
            CounterWithCallback.builder().name("lb_hash_passed_on")
                    .help("Requests whose key's own backend was above hashBalanceFactor times the average load, so a later one on the ring took them")
                    .callback(cb -> cb.call(hash.totalPassedOn()))
                    .register(registry);
        }
    }

    /** The registry holding every metric of this balancer, JVM metrics included. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void attemptEnded(Backend backend, int status, long startNanos) {
        BackendSeries s = seriesOf(backend);
        if (s != null) {
            s.requests[codeClass(status)].inc();
            s.duration.observe(secondsSince(startNanos));
        }
    }

    @Override
    public void exchangeEnded(int status, long startNanos) {
        requestsByClass[codeClass(status)].inc();
        requestDuration.observe(secondsSince(startNanos));
    }

    @Override
    public void retried(Backend from, RetryPolicy.Decision how) {
        BackendSeries s = seriesOf(from);
        if (s != null) {
            s.retries[how.ordinal()].inc();
        }
    }

    @Override
    public void retryRefused(Backend from) {
        retriesRefused.inc();
    }

    @Override
    public void onHealthChange(HealthEvent event) {
        // Health is read from the pool at scrape time.
    }

    @Override
    public void onAdminChange(AdminEvent event) {
        if (event.change() == AdminEvent.Change.REMOVED) {
            forget(event.backend());
        }
    }

    @Override
    public void onReload(ReloadOutcome outcome) {
        reloads.labelValues(outcome.applied() ? "applied" : "rejected").inc();
    }

    /** A removed backend's series leave the exposition with it. */
    private void forget(String name) {
        series.keySet().removeIf(b -> b.name().equals(name));
        for (String codeClass : CODE_CLASSES) {
            backendRequests.remove(name, codeClass);
        }
        backendDuration.remove(name);
        for (RetryPolicy.Decision how : RetryPolicy.Decision.values()) {
            retries.remove(name, how.label());
        }
    }

    /**
     * The backend's cached data points; null for a backend already removed from the pool (a request
     * that outlived its removal), so its series, once forgotten, do not come back.
     */
    private BackendSeries seriesOf(Backend backend) {
        BackendSeries s = series.get(backend);
        if (s != null) {
            return s;
        }
        return pool.contains(backend) ? series.computeIfAbsent(backend, this::newSeries) : null;
    }

    private BackendSeries newSeries(Backend backend) {
        CounterDataPoint[] byClass = new CounterDataPoint[CODE_CLASSES.length];
        for (int i = 0; i < CODE_CLASSES.length; i++) {
            byClass[i] = backendRequests.labelValues(backend.name(), CODE_CLASSES[i]);
        }
        // Indexed by decision; GIVE_UP is never counted, so its series is never created.
        CounterDataPoint[] retried = new CounterDataPoint[RetryPolicy.Decision.values().length];
        retried[RetryPolicy.Decision.FRESH_CONNECTION.ordinal()] =
                retries.labelValues(backend.name(), RetryPolicy.Decision.FRESH_CONNECTION.label());
        retried[RetryPolicy.Decision.OTHER_BACKEND.ordinal()] =
                retries.labelValues(backend.name(), RetryPolicy.Decision.OTHER_BACKEND.label());
        return new BackendSeries(byClass, backendDuration.series(backend.name()), retried);
    }

    /** The upper bounds of the latency buckets in seconds, without the last, unbounded one. */
    public static double[] latencyBounds() {
        return LATENCY_BUCKETS.clone();
    }

    /**
     * Every client request so far, for the status page. Reads the same striped counters a scrape
     * reads, so request threads pay nothing for it.
     */
    public Counts totalCounts() {
        return counts(requestsByClass, requestDuration);
    }

    /** The attempts sent to {@code backend} so far; {@link Counts#NONE} before its first one. */
    public Counts counts(Backend backend) {
        BackendSeries s = series.get(backend);
        return s == null ? Counts.NONE : counts(s.requests, s.duration);
    }

    private static Counts counts(CounterDataPoint[] byClass, StripedHistogram duration) {
        long requests = 0;
        for (CounterDataPoint one : byClass) {
            requests += one.getLongValue();
        }
        long errors = byClass[0].getLongValue() + byClass[5].getLongValue(); // none and 5xx
        return new Counts(requests, errors, duration.counts());
    }

    /** The index in {@link #CODE_CLASSES}: no answer (negative), a class 1xx-5xx, or other. */
    static int codeClass(int status) {
        if (status < 0) {
            return 0;
        }
        int c = status / 100;
        return c >= 1 && c <= 5 ? c : OTHER;
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** One backend's data points, looked up once and kept, so a request does no label lookup. */
    private record BackendSeries(CounterDataPoint[] requests, StripedHistogram duration, CounterDataPoint[] retries) {
    }
}
