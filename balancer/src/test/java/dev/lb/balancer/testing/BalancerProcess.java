package dev.lb.balancer.testing;

import dev.lb.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The balancer's {@code Main} in a child JVM, for what only a real process shows: signals, exit codes,
 * a small heap. Uses the same java and classpath as the test.
 */
public final class BalancerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on [^ ]+:(\\d+) ");
    private static final Pattern ADMIN = Pattern.compile("admin API listening on [^ ]+:(\\d+)");

    private final Process process;
    private final Path config;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private volatile int port;
    private volatile int adminPort;
    private volatile boolean logEnded;

    private BalancerProcess(Process process, Path config) {
        this.process = process;
        this.config = config;
        Thread reader = new Thread(this::readLog, "balancer-process-log");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code Main} with this config and JVM options, and waits until it listens. The config gets
     * the server of {@link TestConfigs#SERVER_PROPERTY} when it names none.
     */
    public static BalancerProcess start(String configJson, String... jvmOptions) throws IOException {
        return start(List.of(), configJson, jvmOptions);
    }

    /**
     * Starts {@code Main} as {@link #start} does, but with these signals ignored from the start, as
     * {@code nohup} (HUP) or a shell's background job (INT) leave them: a bash traps them to "" then
     * execs the JVM, which inherits the ignored disposition.
     *
     * @param signals bash signal names, e.g. "HUP" or "HUP INT"
     */
    public static BalancerProcess startIgnoring(String signals, String configJson, String... jvmOptions)
            throws IOException {
        return start(List.of("bash", "-c", "trap '' " + signals + "; exec \"$@\"", "balancer"), configJson, jvmOptions);
    }

    private static BalancerProcess start(List<String> launcher, String configJson, String... jvmOptions)
            throws IOException {
        Path config = Files.createTempFile("balancer-", ".json");
        Files.writeString(config, TestConfigs.withTestServer(configJson));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(launcher);
        command.add(java);
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lb.balancer.Main",
                "--config", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BalancerProcess started = new BalancerProcess(process, config);
        // A wait, not a measure: a fresh JVM's start, plus its first health check, took over 60 s at a
        // load of 80 on 2 cores (StreamingTest's start failed so).
        Await.until("balancer to listen", Duration.ofSeconds(120), () -> started.port != 0 || !process.isAlive());
        if (started.port == 0) {
            throw new IOException("balancer exited early: " + started.log);
        }
        return started;
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    /** The admin API's port, as the process logged it; 0 before that line. */
    public int adminPort() {
        return adminPort;
    }

    /** Whether the process closed its output and every line of it is in {@link #log()}. */
    public boolean logEnded() {
        return logEnded;
    }

    public List<String> log() {
        return List.copyOf(log);
    }

    /** Sends SIGTERM, and keeps reading what the process says while it stops. */
    public void terminate() {
        // Process.destroy() would also close the pipe this reads the log from, losing the last lines.
        process.toHandle().destroy();
    }

    /** Waits for the exit; returns the exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("balancer still running after " + timeout.toMillis() + " ms; log: " + log);
        }
        return process.exitValue();
    }

    private void readLog() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                log.add(line);
                Matcher admin = ADMIN.matcher(line);
                if (adminPort == 0 && admin.find()) {
                    adminPort = Integer.parseInt(admin.group(1));
                }
                Matcher matcher = LISTENING.matcher(line);
                if (port == 0 && matcher.find()) {
                    port = Integer.parseInt(matcher.group(1));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        logEnded = true;
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(config);
    }
}
