package dev.lb.balancer.server;

import dev.lb.balancer.util.NamedThreadFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Bounds each blocking read of a client's request body: a client that stops sending in the middle of a
 * body (a slow-body attack, or a client that hung) has its connection closed after the timeout instead
 * of holding a thread and a backend connection forever. The JDK's {@code HttpServer} offers no socket
 * timeout to its handlers, so a sweeper interrupts a thread whose read has blocked too long; the
 * interrupt closes the connection's channel, which ends the read.
 */
public final class ClientReadTimeout implements AutoCloseable {
    private final Duration timeout;
    private final Set<Read> reading = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("client-read-timeout", true));

    public ClientReadTimeout(Duration timeout) {
        this.timeout = timeout;
        long period = Math.max(50, Math.min(1_000, timeout.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * {@code in.read(buffer)}, ended with a {@link TimedOut} when no byte arrives within the timeout.
     */
    public int read(InputStream in, byte[] buffer) throws IOException {
        Read read = new Read(Thread.currentThread(), System.nanoTime() + timeout.toNanos());
        reading.add(read);
        int n;
        IOException failure = null;
        try {
            n = in.read(buffer);
        } catch (IOException e) {
            n = -1;
            failure = e;
        } finally {
            reading.remove(read);
        }
        boolean timedOut;
        synchronized (read) {
            timedOut = read.state == State.TIMED_OUT;
            read.state = State.DONE;
        }
        if (timedOut) {
            // The interrupt was delivered under the lock; it must not outlive this read.
            Thread.interrupted();
            throw new TimedOut(timeout);
        }
        if (failure != null) {
            throw failure;
        }
        return n;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Read read : reading) {
            if (now - read.deadline < 0) {
                continue;
            }
            synchronized (read) {
                if (read.state == State.READING) {
                    read.state = State.TIMED_OUT;
                    read.thread.interrupt();
                }
            }
            reading.remove(read);
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /** The client sent nothing for the whole timeout; its connection is closed. */
    public static final class TimedOut extends InterruptedIOException {
        TimedOut(Duration timeout) {
            super("client sent no request body byte for " + timeout.toMillis() + " ms");
        }
    }

    private enum State { READING, TIMED_OUT, DONE }

    private static final class Read {
        final Thread thread;
        final long deadline;
        State state = State.READING;

        Read(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }
}
