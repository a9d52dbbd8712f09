package dev.lb.balancer.health;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.config.HealthCheckConfig;
import dev.lb.balancer.util.BlockingWork;
import dev.lb.balancer.util.Failures;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Actively checks every backend: {@code GET <url><path>} must answer 200 within the timeout. The first
 * check runs at once, then one every interval (fixed delay, so a slow backend is never checked twice at
 * the same time). Results go to the {@link BackendPool}, which decides state changes.
 *
 * <p>Threads: the balancer's {@link Scheduler} (its {@code timers-1} thread) only decides when each
 * backend's next check is due; the check itself, a blocking HTTP call, runs on the checker's own
 * {@code health-checker-N} threads, which it owns and stops on {@link #close()}, and which hand each
 * result to the pool's control context. They are platform threads even where the JVM has virtual
 * ones: a check's time-out must measure the backend, not how long a virtual thread waited behind the
 * request traffic for a core (a check on a virtual thread timed out on healthy backends under load).
 * Its own HTTP client is kept apart from the proxy's so checks never wait behind request traffic.
 *
 * <p>Each check opens a connection of its own and closes it after the answer, as HAProxy's checks do.
 * A connection kept between checks would, with a check interval longer than the backend's keep-alive
 * timeout (Node's default is 5 s, the default interval 10 s), be one the backend has closed: the check
 * would fail on it and the backend go DOWN while it serves requests fine.
 */
public final class HealthChecker implements AutoCloseable {
    /** How many checks may be under way at once; more wait their turn (each backend has one at most). */
    private static final int CHECK_THREADS = 16;
    private final BackendPool pool;
    private final Clock clock;
    /** When checks are due; the balancer's timer service, never a thread of this checker's. */
    private final Scheduler timers;
    /** Where checks run: they block for up to the check timeout. */
    private final ExecutorService checks;
    private final OkHttpClient client;
    /** One schedule per watched backend, each running one check at a time. */
    private final Map<Backend, Repeating> schedules = new ConcurrentHashMap<>();
    private volatile HealthCheckConfig config;

    /** @param timers decides when checks are due (the balancer's {@code Timers}); not closed by this checker */
    public HealthChecker(BackendPool pool, HealthCheckConfig config, Clock clock, Scheduler timers) {
        this(pool, config, clock, timers, BlockingWork.platformPool("health-checker", CHECK_THREADS));
    }

    /** @param checks runs the checks; owned by this checker from now on, and shut down by {@link #close()} */
    HealthChecker(BackendPool pool, HealthCheckConfig config, Clock clock, Scheduler timers, ExecutorService checks) {
        this.pool = pool;
        this.config = config;
        this.clock = clock;
        this.timers = timers;
        this.checks = checks;
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

    /**
     * Starts checking one backend: once now, then each interval after the previous check ended (so a
     * slow backend is never checked twice at the same time).
     */
    public void watch(Backend backend) {
        schedules.computeIfAbsent(backend, b -> Repeating.withDelayFrom(timers, checks, "health check of " + b,
                Duration.ZERO, config.interval(), () -> checkAndReport(b)));
    }

    /**
     * Applies new check settings: every watched backend is checked once now with them (right after its
     * check under way, if one is), then at the new interval.
     */
    public void reconfigure(HealthCheckConfig next) {
        this.config = next;
        for (Repeating schedule : List.copyOf(schedules.values())) {
            schedule.runSoon();
        }
    }

    public HealthCheckConfig config() {
        return config;
    }

    /** Whether the backend is being checked (false while it is in maintenance or gone). */
    public boolean watching(Backend backend) {
        return schedules.containsKey(backend);
    }

    /** Stops checking one backend; a check under way still reports, and none follows it. */
    public void unwatch(Backend backend) {
        Repeating schedule = schedules.remove(backend);
        if (schedule != null) {
            schedule.cancel();
        }
    }

    /**
     * One scheduled check, on a check thread; answers the wait before the next. The interval is read
     * after the check, so a reload's new interval applies from the next wait on. (A check that throws
     * is logged by the schedule, which goes on: a bug must not silently stop a backend's checks.)
     */
    private Duration checkAndReport(Backend backend) {
        pool.reportCheck(backend, check(backend));
        return config.interval();
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
        schedules.values().forEach(Repeating::cancel);
        checks.shutdownNow();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
