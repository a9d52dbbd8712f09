package dev.lb.balancer.accesslog;

import dev.lb.balancer.config.AccessLogConfig;
import dev.lb.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue between request threads and the log's own thread: bounded, never blocking, reopenable. */
class AccessLogWriterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static AccessLogEntry entry(String path) {
        return new AccessLogEntry(Instant.EPOCH, "127.0.0.1", "GET", path, "HTTP/1.1", 200, 0, 2, 1000, "b", 500, 0,
                "id", "", "", "");
    }

    @Test
    void aFullQueueDropsAndCountsEntriesInsteadOfWaiting() {
        StringWriter out = new StringWriter();
        AccessLogWriter log = new AccessLogWriter(new AccessLogConfig(true, "-", AccessLogConfig.Format.COMBINED), 3, out);
        // Given a writer that is not draining, when five entries arrive, then two are dropped at once.
        for (int i = 0; i < 5; i++) {
            log.log(entry("/" + i));
        }
        assertEquals(2, log.dropped());
        log.start();
        Await.until("three lines written", DEADLINE, () -> log.written() == 3);
        log.close();
        List<String> lines = out.toString().lines().toList();
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).contains("\"GET /0 HTTP/1.1\""), lines.get(0));
        assertTrue(lines.get(2).contains("\"GET /2 HTTP/1.1\""), lines.get(2));
    }

    @Test
    void reopenStartsAFreshFileAfterLogrotateRenamedTheOldOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogWriter log = AccessLogWriter.open(new AccessLogConfig(true, file.toString(), AccessLogConfig.Format.JSON));
        try {
            log.log(entry("/before"));
            Await.until("first line in the file", DEADLINE, () -> lines(file).size() == 1);
            Path rotated = dir.resolve("access.log.1");
            Files.move(file, rotated);
            log.reopen();
            Await.until("a new file", DEADLINE, () -> Files.exists(file));
            log.log(entry("/after"));
            Await.until("second line in the new file", DEADLINE, () -> lines(file).size() == 1);
            assertTrue(lines(rotated).get(0).contains("/before"));
            assertTrue(lines(file).get(0).contains("/after"));
        } finally {
            log.close();
        }
    }

    @Test
    void closeWritesWhatIsQueuedFirst(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        AccessLogWriter log = AccessLogWriter.open(new AccessLogConfig(true, file.toString(), AccessLogConfig.Format.COMBINED));
        for (int i = 0; i < 1000; i++) {
            log.log(entry("/" + i));
        }
        log.close();
        assertEquals(1000, lines(file).size());
        assertEquals(0, log.dropped());
    }

    @Test
    void aFileThatCannotBeOpenedIsNamedInOneLine(@TempDir Path dir) {
        Path file = dir.resolve("no-such-dir").resolve("access.log");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () ->
                AccessLogWriter.open(new AccessLogConfig(true, file.toString(), AccessLogConfig.Format.COMBINED)));
        assertTrue(e.getMessage().startsWith("accessLog.path " + file + ": cannot open for appending"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
