package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpHandler;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the client exchanges being handled, so a shutdown can wait exactly as long as requests are in
 * flight: the JDK's {@code HttpServer.stop(delay)} on Java 17 waits the whole delay even when idle.
 * While draining, answers carry {@code Connection: close} so keep-alive clients go elsewhere (set here
 * for exchanges that start while draining; the proxy asks {@link #draining()} again before it answers).
 */
public final class ExchangeTracker {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object idle = new Object();
    private volatile boolean draining;

    /** Wraps {@code handler} so each exchange is counted while it runs. */
    public HttpHandler wrap(HttpHandler handler) {
        return exchange -> {
            inFlight.incrementAndGet();
            try {
                if (draining) {
                    exchange.getResponseHeaders().set("Connection", "close");
                }
                handler.handle(exchange);
            } finally {
                if (inFlight.decrementAndGet() == 0) {
                    synchronized (idle) {
                        idle.notifyAll();
                    }
                }
            }
        };
    }

    /** Exchanges being handled now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** From now on, every answer closes its connection. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Waits until no exchange is in flight or {@code timeout} has passed.
     *
     * @return whether the server went idle in time
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Bounded wait: an exchange may end between the check and the wait.
                idle.wait(Math.max(1, Math.min(left / 1_000_000, 100)));
            }
        }
        return true;
    }
}
