package dev.lb.balancer.admin;

import dev.lb.admin.v1.WatchEvent;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.OutlierEvent;
import dev.lb.balancer.backend.ReloadOutcome;
import dev.lb.balancer.backend.SourceEvent;
import dev.lb.balancer.util.NamedThreadFactory;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans health events, admin changes, reload outcomes, discovery source changes and stats ticks out to every open Watch stream.
 * Registered as a pool listener, it is called on health-check, request and admin threads, so it only
 * converts each event once and hands it to each watcher's bounded buffer and returns; the sending happens on the hub's own {@code admin-watch-N} threads.
 */
public final class WatchHub implements BackendListener, AutoCloseable {
    /** Health events one watcher may have waiting before it is switched to a resync snapshot. */
    public static final int DEFAULT_BUFFER = 256;

    private static final System.Logger LOG = System.getLogger(WatchHub.class.getName());

    private final StatusReader reader;
    private final int buffer;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<Watcher, ScheduledFuture<?>> watchers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    public WatchHub(StatusReader reader, int buffer) {
        if (buffer < 1) {
            throw new IllegalArgumentException("buffer must be at least 1");
        }
        this.reader = reader;
        this.buffer = buffer;
        this.executor = new ScheduledThreadPoolExecutor(2, new NamedThreadFactory("admin-watch", true));
        executor.setRemoveOnCancelPolicy(true);
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
        // Registered before the first drain reads the snapshot, so no event falls between the two.
        ScheduledFuture<?> ticker;
        try {
            ticker = executor.scheduleAtFixedRate(watcher::statsDue,
                    statsInterval.toNanos(), statsInterval.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            call.onError(Status.UNAVAILABLE.withDescription("the balancer is shutting down").asRuntimeException());
            return;
        }
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
        ScheduledFuture<?> ticker = watchers.remove(watcher);
        if (ticker != null) {
            ticker.cancel(false);
        }
        LOG.log(System.Logger.Level.DEBUG, "watcher {0} closed", watcher.id());
    }

    /** Ends every stream normally and stops the hub's threads. */
    @Override
    public void close() {
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
