package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.config.HealthCheckConfig;
import dev.lb.balancer.util.Failures;
import dev.lb.balancer.util.NamedThreadFactory;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Actively checks every backend: {@code GET <url><path>} must answer 200 within the timeout. The first
 * check runs at once, then one every interval (fixed delay, so a slow backend is never checked twice at
 * the same time). Results go to the {@link BackendPool}, which decides state changes.
 *
 * <p>Owns the {@code health-checker-N} threads and its own HTTP client, kept apart from the proxy's so
 * checks never wait behind request traffic.
 *
 * <p>Each check opens a connection of its own and closes it after the answer, as HAProxy's checks do.
 * A connection kept between checks would, with a check interval longer than the backend's keep-alive
 * timeout (Node's default is 5 s, the default interval 10 s), be one the backend has closed: the check
 * would fail on it and the backend go DOWN while it serves requests fine.
 */
public final class HealthChecker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final BackendPool pool;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final OkHttpClient client;
    private final Map<Backend, ScheduledFuture<?>> schedules = new ConcurrentHashMap<>();
    private volatile HealthCheckConfig config;

    public HealthChecker(BackendPool pool, HealthCheckConfig config, Clock clock) {
        this.pool = pool;
        this.config = config;
        this.clock = clock;
        this.scheduler = Executors.newScheduledThreadPool(2, new NamedThreadFactory("health-checker", true));
        this.client = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.MILLISECONDS))
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .build();
    }

    /** Starts checking every backend of the pool, each at once. */
    public void start() {
        pool.all().forEach(this::watch);
    }

    /** Starts checking one backend: once now, then every interval. */
    public void watch(Backend backend) {
        schedules.computeIfAbsent(backend, b -> scheduler.scheduleWithFixedDelay(
                () -> checkQuietly(b), 0, config.interval().toMillis(), TimeUnit.MILLISECONDS));
    }

    /**
     * Applies new check settings: every watched backend is checked once now with them, then at the new
     * interval.
     */
    public void reconfigure(HealthCheckConfig next) {
        this.config = next;
        for (Backend backend : List.copyOf(schedules.keySet())) {
            unwatch(backend);
            watch(backend);
        }
    }

    public HealthCheckConfig config() {
        return config;
    }

    /** Whether the backend is being checked (false while it is in maintenance or gone). */
    public boolean watching(Backend backend) {
        return schedules.containsKey(backend);
    }

    /** Stops checking one backend. */
    public void unwatch(Backend backend) {
        ScheduledFuture<?> schedule = schedules.remove(backend);
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private void checkQuietly(Backend backend) {
        try {
            pool.reportCheck(backend, check(backend));
        } catch (RuntimeException e) {
            // A bug in one check must not silently stop all future checks of this backend.
            LOG.log(System.Logger.Level.ERROR, "health check of " + backend + " failed unexpectedly", e);
        }
    }

    /** Runs one check now, on the calling thread. */
    public CheckResult check(Backend backend) {
        HealthCheckConfig current = config;
        Duration timeout = current.timeout();
        OkHttpClient timed = client.newBuilder().callTimeout(timeout).connectTimeout(timeout).readTimeout(timeout).build();
        Request request = new Request.Builder()
                .url(backend.url() + current.path())
                .header("User-Agent", "lb-health-check")
                .header("Connection", "close")
                .build();
        Instant started = clock.instant();
        try (Response response = timed.newCall(request).execute()) {
            Duration latency = Duration.between(started, clock.instant());
            int code = response.code();
            return new CheckResult(code == 200, "HTTP " + code, clock.instant(), latency);
        } catch (IOException e) {
            return new CheckResult(false, Failures.describe(e, timeout), clock.instant(),
                    Duration.between(started, clock.instant()));
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
