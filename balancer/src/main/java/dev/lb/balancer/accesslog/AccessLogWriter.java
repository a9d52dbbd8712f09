package dev.lb.balancer.accesslog;

import dev.lb.balancer.config.AccessLogConfig;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log: request threads hand entries to a bounded queue and return at once; one thread of
 * its own, {@code access-log-writer}, formats and writes them. A disk slower than the requests never
 * slows a request: when the queue is full the entry is dropped and counted, and the count is logged
 * once a minute (and exported as a metric). {@link #reopen()} makes the writer open the file again
 * by its path, for logrotate's rename-then-signal convention (nginx's SIGUSR1).
 *
 * <p>The queue is a lock-free linked queue bounded by a counter, so request threads share no lock
 * with each other or with the writer. The writer thread alone touches the open file.
 */
public final class AccessLogWriter implements AccessLog, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AccessLogWriter.class.getName());
    /** Entries that may wait: about 2 s of 8,000 requests a second, a few MB of heap at most. */
    static final int QUEUE_CAPACITY = 16_384;
    /**
     * How long the writer sleeps when the queue is empty. Request threads never wake it (that would
     * be a system call on the request path); a line waits at most this long to be written.
     */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long REPORT_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int BUFFER_CHARS = 64 * 1024;

    private final AccessLogConfig config;
    private final int capacity;
    private final Queue<AccessLogEntry> queue = new ConcurrentLinkedQueue<>();
    /** Entries in {@link #queue}: the bound, checked before each offer. */
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final Thread writer;
    private volatile boolean reopenRequested;
    private volatile boolean closing;
    /** The open file or standard output; touched only by the writer thread once it runs. */
    private Writer out;
    private long droppedReported;
    private long errorsReported;
    private long lastReport = System.nanoTime();

    /** A log not yet writing: entries queue up (and drop past {@code capacity}) until {@link #start()}. */
    AccessLogWriter(AccessLogConfig config, int capacity, Writer out) {
        this.config = config;
        this.capacity = capacity;
        this.out = out;
        this.writer = new Thread(this::run, "access-log-writer");
        writer.setDaemon(true);
    }

    /**
     * Opens the log (creating the file, appending to it) and starts its writer.
     *
     * @throws IOException when the file cannot be opened; the message names it
     */
    public static AccessLogWriter open(AccessLogConfig config) throws IOException {
        return open(config, QUEUE_CAPACITY);
    }

    static AccessLogWriter open(AccessLogConfig config, int capacity) throws IOException {
        AccessLogWriter log = new AccessLogWriter(config, capacity, openOutput(config));
        log.start();
        return log;
    }

    void start() {
        writer.start();
    }

    private static Writer openOutput(AccessLogConfig config) throws IOException {
        if (config.toStdout()) {
            return new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
                    StandardCharsets.UTF_8), BUFFER_CHARS);
        }
        Path path = Path.of(config.path());
        try {
            return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE), StandardCharsets.UTF_8), BUFFER_CHARS);
        } catch (IOException e) {
            throw new IOException("accessLog.path " + path + ": cannot open for appending ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    @Override
    public boolean enabled() {
        return true;
    }

    /** Queues the entry, or drops and counts it when the queue is full; never waits. */
    @Override
    public void log(AccessLogEntry entry) {
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.offer(entry);
    }

    /** Opens the file again by its path on the writer thread, soon; standard output stays as it is. */
    public void reopen() {
        reopenRequested = true;
    }

    /** Lines written since start. */
    public long written() {
        return written.sum();
    }

    /** Lines dropped because the queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines lost because writing them failed (disk full, file gone bad). */
    public long writeErrors() {
        return writeErrors.sum();
    }

    public AccessLogConfig config() {
        return config;
    }

    private void run() {
        while (true) {
            if (reopenRequested) {
                reopenRequested = false;
                reopenNow();
            }
            AccessLogEntry entry = queue.poll();
            if (entry != null) {
                queued.decrementAndGet();
                write(entry);
                continue;
            }
            flush();
            reportLosses(System.nanoTime());
            if (closing && queue.isEmpty()) {
                return;
            }
            LockSupport.parkNanos(this, IDLE_NANOS);
        }
    }

    private void write(AccessLogEntry entry) {
        try {
            out.write(AccessLogFormat.format(config.format(), entry));
            out.write('\n');
            written.increment();
        } catch (IOException e) {
            writeErrors.increment();
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            // The lines in the buffer are lost; counted once, as one failed write.
            writeErrors.increment();
        }
    }

    /** Opens the new file before closing the old, so a failed open leaves the log writing where it was. */
    private void reopenNow() {
        if (config.toStdout()) {
            return;
        }
        Writer next;
        try {
            next = openOutput(config);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}; still writing to the file open before", e.getMessage());
            return;
        }
        flush();
        try {
            out.close();
        } catch (IOException e) {
            // Its lines were flushed above, or counted as lost there.
        }
        out = next;
        LOG.log(System.Logger.Level.INFO, "access log reopened: {0}", config.path());
    }

    /** At most once a minute, one line saying how many lines were lost since the last one. */
    private void reportLosses(long now) {
        if (now - lastReport < REPORT_EVERY_NANOS) {
            return;
        }
        lastReport = now;
        long droppedNow = dropped.sum();
        long errorsNow = writeErrors.sum();
        if (droppedNow > droppedReported) {
            LOG.log(System.Logger.Level.WARNING, "access log: {0} lines dropped in the last minute because its queue of"
                    + " {1} was full (the log''s disk or pipe is slower than the requests)", droppedNow - droppedReported, capacity);
        }
        if (errorsNow > errorsReported) {
            LOG.log(System.Logger.Level.WARNING, "access log: {0} writes to {1} failed in the last minute (disk full?)",
                    errorsNow - errorsReported, config.path());
        }
        droppedReported = droppedNow;
        errorsReported = errorsNow;
    }

    /** Writes what is queued, then stops the writer and closes the file. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive() && !config.toStdout()) {
            try {
                out.close();
            } catch (IOException e) {
                // Nothing left to tell anyone: the balancer is stopping.
            }
        }
    }
}
