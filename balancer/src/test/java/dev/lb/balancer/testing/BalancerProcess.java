package dev.lb.balancer.testing;

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

    private final Process process;
    private final Path config;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private volatile int port;

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
        Path config = Files.createTempFile("balancer-", ".json");
        Files.writeString(config, TestConfigs.withTestServer(configJson));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.lb.balancer.Main",
                "--config", config.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BalancerProcess started = new BalancerProcess(process, config);
        Await.until("balancer to listen", Duration.ofSeconds(60), () -> started.port != 0 || !process.isAlive());
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

    public List<String> log() {
        return List.copyOf(log);
    }

    /** Sends SIGTERM. */
    public void terminate() {
        process.destroy();
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
                Matcher matcher = LISTENING.matcher(line);
                if (port == 0 && matcher.find()) {
                    port = Integer.parseInt(matcher.group(1));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
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
