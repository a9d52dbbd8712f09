package dev.lb.balancer.page;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One browser's place in the event stream. Producers (pool events, on health-check, request and admin
 * threads; the stats tick, on the sampler thread) only change this object's few fields under its lock,
 * which nobody holds across I/O, and return. The viewer's own thread (the metrics listener's thread
 * serving its {@code /events} request) waits here for the next frame and does the socket write, so a
 * browser that stops reading blocks that thread alone.
 *
 * <p>Bounded: at most {@code capacity} events wait. On overflow they are dropped and replaced by a
 * snapshot, read fresh when it is sent, which shows their net effect; stats are one slot, the newest
 * replacing any unsent one.
 */
final class Viewer {
    /** What the viewer's thread should send next. */
    enum Kind {
        /** The whole state, read now: first, and after the buffer overflowed. */
        SNAPSHOT,
        /** A frame ready to write: an event or stats. */
        FRAME,
        /** Nothing was due for the heartbeat interval: write a comment, which also finds a gone browser. */
        HEARTBEAT,
        /** The stream is over. */
        CLOSED
    }

    record Next(Kind kind, String frame) {
        static final Next SNAPSHOT = new Next(Kind.SNAPSHOT, null);
        static final Next HEARTBEAT = new Next(Kind.HEARTBEAT, null);
        static final Next CLOSED = new Next(Kind.CLOSED, null);
    }

    private final long id;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition due = lock.newCondition();
    // Guarded by lock:
    private final ArrayDeque<String> events = new ArrayDeque<>();
    private boolean snapshotDue = true;
    private String stats;
    private boolean closed;

    Viewer(long id, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.id = id;
        this.capacity = capacity;
    }

    long id() {
        return id;
    }

    /**
     * Queues an event frame; never blocks on the browser.
     *
     * @return false when this overflowed the buffer: the events waiting were dropped for a snapshot
     */
    boolean offer(String frame) {
        lock.lock();
        try {
            if (closed || snapshotDue) {
                return true; // a snapshot is coming anyway and will include this
            }
            if (events.size() == capacity) {
                events.clear();
                snapshotDue = true;
                due.signal();
                return false;
            }
            events.addLast(frame);
            due.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Asks for a fresh snapshot in place of whatever waits (e.g. the set of backends changed). */
    void resync() {
        lock.lock();
        try {
            events.clear();
            snapshotDue = true;
            due.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The newest stats frame; an unsent older one is replaced, not queued. */
    void stats(String frame) {
        lock.lock();
        try {
            stats = frame;
            due.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream: the viewer's thread returns {@link Next#CLOSED} at its next wait. */
    void close() {
        lock.lock();
        try {
            closed = true;
            events.clear();
            stats = null;
            due.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Frames waiting now, for tests and for the bound's proof. */
    int waiting() {
        lock.lock();
        try {
            return events.size() + (stats == null ? 0 : 1);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code heartbeatNanos} for something to send. Order: a due snapshot (the waiting events
     * are cleared first, so the snapshot read after this includes them), then events in the order they
     * happened, then stats.
     */
    Next next(long heartbeatNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = heartbeatNanos;
            while (true) {
                if (closed) {
                    return Next.CLOSED;
                }
                if (snapshotDue) {
                    snapshotDue = false;
                    events.clear();
                    stats = null; // the snapshot is newer
                    return Next.SNAPSHOT;
                }
                String event = events.pollFirst();
                if (event != null) {
                    return new Next(Kind.FRAME, event);
                }
                if (stats != null) {
                    String frame = stats;
                    stats = null;
                    return new Next(Kind.FRAME, frame);
                }
                if (left <= 0) {
                    return Next.HEARTBEAT;
                }
                left = due.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** One Server-Sent Events frame: the event's name and its JSON on one data line (JSON has no newline). */
    static String frame(String event, String json) {
        return "event: " + event + "\ndata: " + json + "\n\n";
    }
}
