package dev.lb.balancer.admin;

import dev.lb.admin.v1.Snapshot;
import dev.lb.admin.v1.SnapshotReason;
import dev.lb.admin.v1.WatchEvent;
import io.grpc.stub.ServerCallStreamObserver;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One open Watch stream. Producers (health-check, request and admin threads, the stats ticker) only put
 * work into bounded slots and return; a drain task on the hub's executor sends as much as gRPC flow control
 * allows ({@link ServerCallStreamObserver#isReady()}) and resumes from the on-ready callback. So a client
 * that stops reading holds at most {@code capacity} events, one pending stats flag and a snapshot
 * flag, and slows nobody else.
 *
 * <p>Nothing is silently lost: when the event buffer overflows, the buffered events (health, admin
 * changes, reloads) are replaced by a fresh snapshot ({@link SnapshotReason#SNAPSHOT_REASON_RESYNC}), which shows their net effect. Stats are
 * coalesced: a due flag, read fresh when sent, so a slow client gets the newest numbers, not a backlog.
 */
final class Watcher {
    private static final System.Logger LOG = System.getLogger(Watcher.class.getName());

    private final long id;
    private final ServerCallStreamObserver<WatchEvent> call;
    private final StatusReader reader;
    private final Executor executor;
    /** Health, admin and reload events, already converted once by the hub, in the order they happened. */
    private final BlockingQueue<WatchEvent> events;
    private final Consumer<Watcher> onClose;

    private final AtomicBoolean snapshotDue = new AtomicBoolean(true);
    private final AtomicBoolean statsDue = new AtomicBoolean();
    private final AtomicBoolean completeDue = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Work-in-progress counter: whoever raises it from 0 runs the drain, so sends never overlap. */
    private final AtomicInteger wip = new AtomicInteger();
    /** Touched only inside the drain, which never runs twice at once. */
    private boolean snapshotSent;

    Watcher(long id, ServerCallStreamObserver<WatchEvent> call, StatusReader reader, Executor executor,
            int capacity, Consumer<Watcher> onClose) {
        this.id = id;
        this.call = call;
        this.reader = reader;
        this.executor = executor;
        this.events = new ArrayBlockingQueue<>(capacity);
        this.onClose = onClose;
    }

    long id() {
        return id;
    }

    /** Queues an event; never blocks. On overflow the watcher is marked for a resync snapshot. */
    void offer(WatchEvent event) {
        if (closed.get()) {
            return;
        }
        if (!events.offer(event) && !snapshotDue.getAndSet(true)) {
            LOG.log(System.Logger.Level.INFO, "watcher {0} fell behind; it will get a fresh snapshot", id);
        }
        schedule();
    }

    /** Marks a stats update due; several ticks before the next send collapse into one. */
    void statsDue() {
        statsDue.set(true);
        schedule();
    }

    /** Ends the stream normally once what is already due has been sent (as far as the client reads). */
    void complete() {
        completeDue.set(true);
        schedule();
    }

    /** The client became ready for more, or something is due: make sure a drain runs. */
    void schedule() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            close(); // the hub is shutting down
        }
    }

    /** Releases everything this watcher holds; safe to call more than once, from any thread. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            events.clear();
            onClose.accept(this);
        }
    }

    boolean closed() {
        return closed.get();
    }

    private void drain() {
        int missed = 1;
        do {
            try {
                sendWhileReady();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "watcher {0} failed: {1}", id, e.toString());
                close();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void sendWhileReady() {
        while (!closed.get()) {
            if (completeDue.get()) {
                close();
                call.onCompleted();
                return;
            }
            if (!call.isReady()) {
                return; // the on-ready callback schedules the next drain
            }
            WatchEvent next = next();
            if (next == null) {
                return;
            }
            call.onNext(next);
        }
    }

    private WatchEvent next() {
        if (snapshotDue.getAndSet(false)) {
            // The snapshot is read after the buffer is cleared, so it includes every cleared event.
            events.clear();
            SnapshotReason reason = snapshotSent ? SnapshotReason.SNAPSHOT_REASON_RESYNC
                    : SnapshotReason.SNAPSHOT_REASON_INITIAL;
            snapshotSent = true;
            return WatchEvent.newBuilder()
                    .setSnapshot(Snapshot.newBuilder().setReason(reason).setStatus(reader.status()))
                    .build();
        }
        WatchEvent event = events.poll();
        if (event != null) {
            return event;
        }
        if (statsDue.getAndSet(false)) {
            return WatchEvent.newBuilder().setStats(reader.stats()).build();
        }
        return null;
    }
}
