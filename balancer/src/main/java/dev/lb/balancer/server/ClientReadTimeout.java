package dev.lb.balancer.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;

/**
 * Bounds each blocking read of a client's request body: a client that stops sending in the middle of a
 * body (a slow-body attack, or a client that hung) has its connection closed after the timeout instead
 * of holding a thread and a backend connection forever. The JDK's {@code HttpServer} offers no socket
 * timeout to its handlers, so each read arms a deadline on the {@link InterruptWatchdog}, which
 * interrupts a thread whose read has blocked too long; the interrupt closes the connection's channel,
 * which ends the read.
 */
public final class ClientReadTimeout implements AutoCloseable {
    private final Duration timeout;
    private final InterruptWatchdog watchdog;
    /** The watchdog made for this object alone; null when it shares one. */
    private final InterruptWatchdog own;

    /** A read clock with a watchdog of its own. */
    public ClientReadTimeout(Duration timeout) {
        this(timeout, null);
    }

    /** A read clock on a shared watchdog; null to make one of its own, closed with it. */
    public ClientReadTimeout(Duration timeout, InterruptWatchdog watchdog) {
        this.timeout = timeout;
        this.own = watchdog == null ? new InterruptWatchdog(InterruptWatchdog.periodFor(timeout)) : null;
        this.watchdog = watchdog == null ? own : watchdog;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * {@code in.read(buffer)}, ended with a {@link TimedOut} when no byte arrives within the timeout.
     */
    public int read(InputStream in, byte[] buffer) throws IOException {
        InterruptWatchdog.Deadline deadline = watchdog.arm(timeout, () -> { });
        int n;
        IOException failure = null;
        try {
            n = in.read(buffer);
        } catch (IOException e) {
            n = -1;
            failure = e;
        } catch (RuntimeException | Error e) {
            deadline.end();
            throw e;
        }
        if (deadline.end()) {
            // The interrupt was delivered under the deadline's lock; it must not outlive this read.
            Thread.interrupted();
            throw new TimedOut(timeout);
        }
        if (failure != null) {
            throw failure;
        }
        return n;
    }

    /** Closes the watchdog if it is this object's own. */
    @Override
    public void close() {
        if (own != null) {
            own.close();
        }
    }

    /** The client sent nothing for the whole timeout; its connection is closed. */
    public static final class TimedOut extends InterruptedIOException {
        TimedOut(Duration timeout) {
            super("client sent no request body byte for " + timeout.toMillis() + " ms");
        }
    }
}
