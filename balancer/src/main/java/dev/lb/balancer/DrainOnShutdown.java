package dev.lb.balancer;

import java.time.ZonedDateTime;
import java.util.concurrent.CountDownLatch;

/**
 * The JVM shutdown hook that drains the balancer on SIGTERM or Ctrl-C. It is registered before the
 * balancer starts, so a signal that arrives while it starts still drains it (and is not lost between
 * "listening on" and the hook's registration, as it once was); it waits for the start to end and does
 * nothing when the start failed, leaving that exit code alone.
 *
 * <p>It logs straight to stderr, in the log's format: java.util.logging's own shutdown hook runs at the
 * same time and may already have removed its handlers, which once lost the "stopping" line.
 */
final class DrainOnShutdown implements Runnable {
    private final Balancer balancer;
    /** Counted down once the start has ended, either way; {@link #serving} says which. */
    private final CountDownLatch startEnded = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean serving;

    DrainOnShutdown(Balancer balancer) {
        this.balancer = balancer;
    }

    /** Registers this as a shutdown hook on its own thread, named "shutdown". */
    DrainOnShutdown register() {
        Runtime.getRuntime().addShutdownHook(new Thread(this, "shutdown"));
        return this;
    }

    /** The start ended; {@code serving} false when it failed. */
    void startEnded(boolean serving) {
        this.serving = serving;
        startEnded.countDown();
    }

    /** Blocks until a shutdown has drained the balancer. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void run() {
        try {
            startEnded.await();
        } catch (InterruptedException e) {
            return;
        }
        if (!serving) {
            return;
        }
        long drainMillis = balancer.config().drainTimeout().toMillis();
        log("stopping: draining requests in flight (up to " + drainMillis + " ms)");
        long started = System.nanoTime();
        balancer.stop(balancer.config().drainTimeout());
        log("stopped after " + (System.nanoTime() - started) / 1_000_000 + " ms");
        stopped.countDown();
        System.err.flush();
        System.out.flush();
        // A JVM ended by a signal exits with 128 + signal (143 for SIGTERM) however its hooks end;
        // a clean drain is a normal stop, so say so with 0. halt, since exit would wait for this hook.
        Runtime.getRuntime().halt(0);
    }

    private static void log(String message) {
        System.err.printf("%1$tF %1$tT INFO %2$s%n", ZonedDateTime.now(), message);
    }
}
