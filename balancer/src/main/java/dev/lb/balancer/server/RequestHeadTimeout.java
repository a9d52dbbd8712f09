package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpHandler;
import dev.lb.balancer.util.NamedThreadFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes client connections whose request head (request line and headers) does not arrive in time.
 *
 * <p>The JDK's {@code HttpServer} reads a request head on an executor thread, with no time limit of its
 * own short of {@code sun.net.httpserver.maxReqTime}, which also covers the body and so would cut long
 * uploads. This class wraps the executor: every task starts a clock, the handler stops it once the head
 * is parsed, and a sweeper interrupts the thread of any task still waiting for its head after the
 * timeout. The interrupt closes the connection's channel, which ends the read. Each slowloris connection
 * thus holds a thread for at most the timeout.
 *
 * <p>A server that runs a whole connection as one task (robaho's, one virtual thread per connection)
 * reads every request head of that connection on the task's thread: {@link #wrapConnections} starts the
 * clock when the connection's task starts and starts it again each time an exchange ends, so each
 * request head, keep-alive wait included, must arrive within the timeout. Interrupting a virtual thread
 * blocked on a socket closes the socket (JEP 444), which ends the read there too.
 */
public final class RequestHeadTimeout implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RequestHeadTimeout.class.getName());

    private final Duration timeout;
    private final Set<Task> waiting = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Task> current = new ThreadLocal<>();
    private final ScheduledExecutorService sweeper =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("request-head-timeout", true));
    private final LongAdder timedOut = new LongAdder();

    public RequestHeadTimeout(Duration timeout) {
        this.timeout = timeout;
        long period = Math.max(50, Math.min(1_000, timeout.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** Connections closed because their request head was too slow. */
    public long timedOut() {
        return timedOut.sum();
    }

    /** An executor that runs the server's tasks on {@code delegate} with the head clock running. */
    public Executor wrap(Executor delegate) {
        return command -> delegate.execute(() -> run(command));
    }

    /**
     * An executor for a server whose every task is a whole connection: the clock runs for each request
     * head the connection reads, from the task's start or the end of the exchange before.
     */
    public Executor wrapConnections(Executor delegate) {
        return command -> delegate.execute(() -> runConnection(command));
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

    private void run(Runnable command) {
        runTask(command, false);
    }

    private void runConnection(Runnable command) {
        runTask(command, true);
    }

    private void runTask(Runnable command, boolean wholeConnection) {
        Task task = new Task(Thread.currentThread(), System.nanoTime() + timeout.toNanos(), wholeConnection);
        current.set(task);
        waiting.add(task);
        try {
            command.run();
        } finally {
            waiting.remove(task);
            current.remove();
            synchronized (task) {
                task.state = State.DONE;
            }
            // An interrupt aimed at this task must not leak into the next task of a pooled thread.
            Thread.interrupted();
        }
    }

    private void headReceived() throws IOException {
        Task task = current.get();
        if (task == null) {
            return;
        }
        waiting.remove(task);
        synchronized (task) {
            if (task.state == State.TIMED_OUT) {
                throw new IOException("request head timed out");
            }
            task.state = State.HANDLING;
        }
    }

    /** On a connection's task, the clock starts again for the next request head. */
    private void exchangeEnded() {
        Task task = current.get();
        if (task == null || !task.wholeConnection) {
            return;
        }
        synchronized (task) {
            if (task.state != State.HANDLING) {
                return;
            }
            task.deadline = System.nanoTime() + timeout.toNanos();
            task.state = State.WAITING_FOR_HEAD;
            waiting.add(task);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Task task : waiting) {
            synchronized (task) {
                if (now - task.deadline < 0) {
                    continue;
                }
                if (task.state == State.WAITING_FOR_HEAD) {
                    task.state = State.TIMED_OUT;
                    // Counted before the interrupt: whoever sees the interrupt then sees the count too.
                    timedOut.increment();
                    task.thread.interrupt();
                    LOG.log(System.Logger.Level.DEBUG, "closed a client connection: request head not received within {0} ms",
                            timeout.toMillis());
                }
                // Removed under the task's lock, so a connection's task whose clock started again
                // (exchangeEnded, under the same lock) is never dropped from the set.
                waiting.remove(task);
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    private enum State { WAITING_FOR_HEAD, HANDLING, TIMED_OUT, DONE }

    /** One task's clock; {@code deadline} and {@code state} are guarded by the task's own lock. */
    private static final class Task {
        final Thread thread;
        final boolean wholeConnection;
        long deadline;
        State state = State.WAITING_FOR_HEAD;

        Task(Thread thread, long deadline, boolean wholeConnection) {
            this.thread = thread;
            this.deadline = deadline;
            this.wholeConnection = wholeConnection;
        }
    }
}
