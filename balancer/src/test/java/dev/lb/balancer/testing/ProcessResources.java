package dev.lb.balancer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a process holds that a leak would grow: its live threads and open file descriptors, read from
 * {@code /proc} (Linux), for tests that check a balancer gives back all it took.
 */
public final class ProcessResources {
    /**
     * Threads that libraries start once per JVM and keep (or end on their own schedule), whoever uses
     * them: not the balancer's to stop.
     */
    private static final Set<String> JVM_WIDE = Set.of("OkHttp", "grpc-shared-destroyer", "Common-Cleaner",
            "ForkJoinPool", "process reaper", "Attach Listener", "Signal Dispatcher", "Notification Thread");

    private ProcessResources() {
    }

    /** This JVM's live threads, except the JVM-wide ones. */
    public static Set<Thread> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(thread -> JVM_WIDE.stream().noneMatch(thread.getName()::startsWith))
                .collect(Collectors.toSet());
    }

    /** Names of the threads alive now that were not in {@code before}. */
    public static Set<String> newThreads(Set<Thread> before) {
        return threads().stream().filter(thread -> !before.contains(thread))
                .map(Thread::getName).filter(name -> !jvmWide(name)).collect(Collectors.toSet());
    }

    /**
     * Threads of pools the whole JVM shares, which start on first use by anyone and idle out on their
     * own schedule (the common pool keeps a worker 60 s): not the balancer's to end.
     */
    private static boolean jvmWide(String name) {
        return name.startsWith("ForkJoinPool.commonPool-") || name.equals("process reaper")
                || name.equals("Attach Listener") || name.contains("CompilerThread");
    }

    /** Open file descriptors of the process {@code pid} ("self" for this JVM). */
    public static int openFiles(String pid) {
        try (Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resident memory of the process {@code pid} in KiB, from {@code /proc/PID/status}. */
    public static long residentKib(String pid) {
        try {
            return Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The threads of the process {@code pid} by name, numbered pools folded into one entry each
     * ("proxy-worker-17" counts as "proxy-worker-N"), from {@code /proc/PID/task/}*{@code /comm}: what a
     * failed thread-count check prints, so the report names the pool that grew.
     */
    public static java.util.SortedMap<String, Long> threadNames(String pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
            return tasks.map(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip().replaceAll("\\d+", "N");
                } catch (IOException e) {
                    return "(ended)";
                }
            }).collect(Collectors.groupingBy(name -> name, java.util.TreeMap::new, Collectors.counting()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Threads of the process {@code pid}, from {@code /proc/PID/status}. */
    public static int threadCount(String pid) {
        try {
            return Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                    .filter(line -> line.startsWith("Threads:"))
                    .mapToInt(line -> Integer.parseInt(line.replaceAll("\\D", "")))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
