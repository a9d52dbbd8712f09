package dev.lb.balancer.page;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A test's browser stand-in: reads {@code /events} on its own thread and queues each event it parses. */
final class SseClient implements AutoCloseable {
    record Event(String name, String data) {
    }

    private static final Event END = new Event("", "");

    private final HttpResponse<Stream<String>> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean ended;

    SseClient(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() == 200) {
            Thread reader = new Thread(this::read, "sse-client");
            reader.setDaemon(true);
            reader.start();
        }
    }

    int status() {
        return response.statusCode();
    }

    String header(String name) {
        return response.headers().firstValue(name).orElse("");
    }

    private void read() {
        String[] name = {null};
        StringBuilder data = new StringBuilder();
        try {
            response.body().forEach(line -> {
                if (line.isEmpty()) {
                    if (name[0] != null) {
                        events.add(new Event(name[0], data.toString()));
                    }
                    name[0] = null;
                    data.setLength(0);
                } else if (line.startsWith("event: ")) {
                    name[0] = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    data.append(line, "data: ".length(), line.length());
                }
            });
        } catch (UncheckedIOException e) {
            // closed
        } finally {
            ended = true;
            events.add(END);
        }
    }

    /** The next event that matches, skipping others; fails after {@code timeout}. */
    Event until(String what, Duration timeout, Predicate<Event> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event next = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            if (next == END) {
                throw new AssertionError("the stream ended while waiting for " + what);
            }
            if (wanted.test(next)) {
                return next;
            }
        }
    }

    Event next(String eventName, Duration timeout) throws InterruptedException {
        return until("a " + eventName + " event", timeout, e -> e.name().equals(eventName));
    }

    /** Whether the server ended the stream; waits up to {@code timeout}. */
    boolean ends(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended && System.nanoTime() < deadline) {
            events.poll(10, TimeUnit.MILLISECONDS);
        }
        return ended;
    }

    @Override
    public void close() {
        if (response.statusCode() == 200) {
            response.body().close();
        }
    }
}
