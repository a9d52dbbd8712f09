package dev.lb.balancer.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Threads for a component's blocking work (a health check's HTTP call, reading certificate files),
 * which must never run on the {@link Timers} thread: a virtual thread per task where the JVM has them,
 * else a small pool of named platform threads. Either way the threads are named {@code name-N}, and
 * the component that asked owns the executor and shuts it down.
 */
public final class BlockingWork {
    private BlockingWork() {
    }

    /**
     * @param platformThreads the pool's size before Java 21: how many of these tasks may block at once
     */
    public static ExecutorService executor(String name, int platformThreads) {
        ExecutorService virtual = VirtualThreads.perTaskExecutor(name + "-");
        if (virtual != null) {
            return virtual;
        }
        return Executors.newFixedThreadPool(platformThreads, new NamedThreadFactory(name, true));
    }
}
