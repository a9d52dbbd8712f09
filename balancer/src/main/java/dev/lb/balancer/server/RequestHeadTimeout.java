package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes client connections whose request head (request line and headers) does not arrive in time.
 *
 * <p>The JDK's {@code HttpServer} reads a request head on an executor thread, with no time limit of its
 * own short of {@code sun.net.httpserver.maxReqTime}, which also covers the body and so would cut long
 * uploads. This class wraps the executor: every task arms a deadline on the {@link InterruptWatchdog},
 * the handler disarms it once the head is parsed, and the watchdog interrupts the thread of any task
 * still waiting for its head after the timeout. The interrupt closes the connection's channel, which
 * ends the read. Each slowloris connection thus holds a thread for at most the timeout.
 *
 * <p>A server that runs a whole connection as one task (robaho's, one virtual thread per connection)
 * reads every request head of that connection on the task's thread: {@link #wrapConnections} arms the
 * deadline when the connection's task starts and again each time an exchange ends, so each request
 * head, keep-alive wait included, must arrive within the timeout. Interrupting a virtual thread blocked
 * on a socket closes the socket (JEP 444), which ends the read there too.
 */
public final class RequestHeadTimeout implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RequestHeadTimeout.class.getName());

    private final Duration timeout;
    private final InterruptWatchdog watchdog;
    /** The watchdog made for this object alone; null when it shares one. */
    private final InterruptWatchdog own;
    /** The running task's deadline, on the thread that runs it. */
    private final ThreadLocal<Task> current = new ThreadLocal<>();
    private final LongAdder timedOut = new LongAdder();

    /** A head clock with a watchdog of its own. */
    public RequestHeadTimeout(Duration timeout) {
        this(timeout, null);
    }

    /** A head clock on a shared watchdog; null to make one of its own, closed with it. */
    public RequestHeadTimeout(Duration timeout, InterruptWatchdog watchdog) {
        this.timeout = timeout;
        this.own = watchdog == null ? new InterruptWatchdog(InterruptWatchdog.periodFor(timeout)) : null;
        this.watchdog = watchdog == null ? own : watchdog;
    }

    /** Connections closed because their request head was too slow. */
    public long timedOut() {
        return timedOut.sum();
    }

    /** An executor that runs the server's tasks on {@code delegate} with the head clock running. */
    public Executor wrap(Executor delegate) {
        return command -> delegate.execute(() -> runTask(command, false));
    }

    /**
     * An executor for a server whose every task is a whole connection: the clock runs for each request
     * head the connection reads, from the task's start or the end of the exchange before.
     */
    public Executor wrapConnections(Executor delegate) {
        return command -> delegate.execute(() -> runTask(command, true));
    }

    /** A handler that stops the head clock, then runs {@code handler}. */
    public HttpHandler wrap(HttpHandler handler) {
        return exchange -> {
            headReceived();
            try {
                handler.handle(exchange);
            } finally {
                exchangeEnded();
            }
        };
    }

    private void runTask(Runnable command, boolean wholeConnection) {
        Task task = new Task(watchdog.arm(timeout, this::countTimeOut), wholeConnection);
        current.set(task);
        try {
            command.run();
        } finally {
            current.remove();
            task.deadline.end();
            // An interrupt aimed at this task must not leak into the next task of a pooled thread.
            Thread.interrupted();
        }
    }

    /** Counted before the interrupt: whoever sees the interrupt then sees the count too. */
    private void countTimeOut() {
        timedOut.increment();
        LOG.log(System.Logger.Level.DEBUG, "closed a client connection: request head not received within {0} ms",
                timeout.toMillis());
    }

    private void headReceived() throws IOException {
        Task task = current.get();
        if (task != null && !task.deadline.disarm()) {
            throw new IOException("request head timed out");
        }
    }

    /** On a connection's task, the clock starts again for the next request head. */
    private void exchangeEnded() {
        Task task = current.get();
        if (task != null && task.wholeConnection) {
            task.deadline.rearm(timeout);
        }
    }

    /** Closes the watchdog if it is this object's own. */
    @Override
    public void close() {
        if (own != null) {
            own.close();
        }
    }

    private record Task(InterruptWatchdog.Deadline deadline, boolean wholeConnection) {
    }
}
