package dev.lb.balancer.admin;

import dev.lb.admin.v1.WatchEvent;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.OutlierEvent;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.backend.SourceEvent;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans health events, admin changes, reload outcomes, discovery source changes and stats ticks out to every open Watch stream.
 * Registered as a pool listener, it is called on health-check, request and admin threads, so it only
 * converts each event once and hands it to each watcher's bounded buffer and returns.
 *
 * <p>Threads: the sending, which writes to gRPC streams, happens on the hub's own two
 * {@code admin-watch-N} threads, owned here and stopped by {@link #close()}. Each stream's stats ticks
 * come from the balancer's {@link Scheduler} ({@code timers-1}): a tick only raises the watcher's
 * "stats due" flag and hands its drain to those threads.
 */
public final class WatchHub implements BackendListener, AutoCloseable {
    /** Health events one watcher may have waiting before it is switched to a resync snapshot. */
    public static final int DEFAULT_BUFFER = 256;

    private static final System.Logger LOG = System.getLogger(WatchHub.class.getName());

    private final StatusReader reader;
    private final int buffer;
    private final Scheduler timers;
    private final ExecutorService executor;
    /** Open watchers and their stats ticks. */
    private final Map<Watcher, Repeating> watchers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    /** @param timers times the stats ticks (the balancer's {@code Timers}); not closed by the hub */
    public WatchHub(StatusReader reader, int buffer, Scheduler timers) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1");
        }
        this.reader = reader;
        this.buffer = buffer;
        this.timers = timers;
        this.executor = Executors.newFixedThreadPool(2, new NamedThreadFactory("admin-watch", true));
    }

    /**
     * Starts serving one Watch call: a snapshot at once, stats every {@code statsInterval}, health events
     * as they happen. Must be called from within the service method, before it returns, because gRPC
     * accepts the call's handlers only then.
     */
    void open(ServerCallStreamObserver<WatchEvent> call, Duration statsInterval) {
        Watcher watcher = new Watcher(ids.incrementAndGet(), call, reader, executor, buffer, this::release);
        call.setOnCancelHandler(watcher::close);
        call.setOnReadyHandler(watcher::schedule);
        if (closed) {
            call.onError(Status.UNAVAILABLE.withDescription("the balancer is shutting down").asRuntimeException());
            return;
        }
        // Registered before the first drain reads the snapshot, so no event falls between the two.
        // The tick only raises a flag, so it runs on the timer's thread itself.
        Repeating ticker = Repeating.atFixedRate(timers, Runnable::run, "stats tick of watcher " + watcher.id(),
                statsInterval, statsInterval, watcher::statsDue);
        watchers.put(watcher, ticker);
        if (watcher.closed()) {
            release(watcher); // cancelled before it was registered; do not keep it
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "watcher {0} opened (stats every {1} ms)", watcher.id(), statsInterval.toMillis());
        watcher.schedule();
    }

    @Override
    public void onHealthChange(HealthEvent event) {
        fanOut(WatchEvent.newBuilder().setHealth(ProtoValues.event(event)).build());
    }

    @Override
    public void onAdminChange(AdminEvent event) {
        fanOut(WatchEvent.newBuilder().setAdmin(ProtoValues.adminChange(event)).build());
    }

    @Override
    public void onReload(ReloadOutcome outcome) {
        fanOut(WatchEvent.newBuilder().setReload(ProtoValues.reload(outcome)).build());
    }

    @Override
    public void onOutlier(OutlierEvent event) {
        fanOut(WatchEvent.newBuilder().setEjection(ProtoValues.ejection(event)).build());
    }

    @Override
    public void onSourceChange(SourceEvent event) {
        fanOut(WatchEvent.newBuilder().setSource(ProtoValues.sourceEvent(event)).build());
    }

    private void fanOut(WatchEvent event) {
        for (Watcher watcher : watchers.keySet()) {
            watcher.offer(event);
        }
    }

    /** Open Watch streams right now. */
    public int watcherCount() {
        return watchers.size();
    }

    private void release(Watcher watcher) {
        Repeating ticker = watchers.remove(watcher);
        if (ticker != null) {
            ticker.cancel();
        }
        LOG.log(System.Logger.Level.DEBUG, "watcher {0} closed", watcher.id());
    }

    /** Ends every stream normally and stops the hub's threads. */
    @Override
    public void close() {
        closed = true;
        watchers.values().forEach(Repeating::cancel);
        watchers.keySet().forEach(Watcher::complete);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        watchers.keySet().forEach(Watcher::close);
    }
}
