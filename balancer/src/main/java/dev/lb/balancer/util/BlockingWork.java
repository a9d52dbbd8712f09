package dev.lb.balancer.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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

    /**
     * Platform threads only, for blocking work whose own time-out must hold however busy the request
     * path is: a virtual thread waits for a carrier in the same queue as every request, so under load a
     * health check's answer could arrive in time and still be read after its time-out, taking a healthy
     * backend out. Up to {@code maxThreads} run at once (more wait in the queue); each ends after a
     * minute idle, so an idle checker holds none.
     */
    public static ExecutorService platformPool(String name, int maxThreads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxThreads, maxThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory(name, true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
