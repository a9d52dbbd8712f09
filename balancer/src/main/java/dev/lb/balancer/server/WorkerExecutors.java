package dev.lb.balancer.server;

import dev.lb.balancer.config.ExecutorKind;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.balancer.util.VirtualThreads;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Creates the executor that runs client requests. Virtual threads are looked up at run time, as Jetty 12
 * does, so the same Java 17 jar uses them on a 21+ JVM and falls back to a platform pool elsewhere.
 */
public final class WorkerExecutors {
    /** How long a platform worker the pool grew for a peak stays idle before it ends. */
    public static final Duration PLATFORM_IDLE = Duration.ofSeconds(60);

    private WorkerExecutors() {
    }

    /** What was created, for the start-up log line. */
    public record Created(ExecutorService executor, String description) {
    }

    public static Created create(ExecutorKind kind, int platformThreads) {
        if (kind != ExecutorKind.PLATFORM) {
            ExecutorService virtual = VirtualThreads.perTaskExecutor("proxy-vt-");
            if (virtual != null) {
                return new Created(virtual, "virtual threads");
            }
            if (kind == ExecutorKind.VIRTUAL) {
                throw new IllegalStateException("\"executor\": \"virtual\" needs Java 21 or newer; this is Java "
                        + Runtime.version().feature() + " (use \"auto\" or \"platform\", or run a newer JDK)");
            }
        }
        // The server reads each request head on one of these threads, so a fixed pool would let a few
        // hundred slow clients (slowloris) hold every thread. The pool keeps platformThreads warm and
        // grows with the connections that are actually sending; RequestHeadTimeout frees a slow one.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(platformThreads, Integer.MAX_VALUE, PLATFORM_IDLE.toSeconds(), TimeUnit.SECONDS,
                new SynchronousQueue<>(), new NamedThreadFactory("proxy-worker", true));
        return new Created(pool, "platform threads (" + platformThreads + " kept, more on demand)");
    }
}
