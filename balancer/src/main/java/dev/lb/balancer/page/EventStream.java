package dev.lb.balancer.page;

import com.sun.net.httpserver.HttpExchange;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.ReloadOutcome;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * {@code GET /events}: the status page's Server-Sent Events, the same health events, admin changes,
 * reloads and once-a-second stats that {@code lbctl watch} gets over gRPC. Registered as a pool
 * listener, it converts each event once and hands the frame to every {@link Viewer}'s bounded buffer;
 * each viewer's own thread writes. At most {@link #maxViewers} browsers at once, so their threads are
 * bounded too; one more is answered 503.
 */
final class EventStream implements BackendListener, AutoCloseable {
    /** Events one browser may have waiting before they are dropped for a snapshot. */
    static final int DEFAULT_BUFFER = 64;
    static final int DEFAULT_MAX_VIEWERS = 16;
    /** A comment this often when nothing else was sent, so a gone browser is noticed and proxies keep the stream. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** How long the browser waits before reconnecting on its own (the SSE {@code retry} field). */
    static final Duration RETRY = Duration.ofSeconds(2);

    private static final System.Logger LOG = System.getLogger(EventStream.class.getName());

    private final int buffer;
    private final int maxViewers;
    private final Set<Viewer> viewers = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder resyncs = new LongAdder();
    private final LongAdder refused = new LongAdder();

    EventStream(int buffer, int maxViewers) {
        this.buffer = buffer;
        this.maxViewers = maxViewers;
    }

    /**
     * Serves one browser until it goes away or the stream closes, on the calling thread (the metrics
     * listener's). {@code snapshot} reads the whole state; it is called on this thread.
     */
    void serve(HttpExchange exchange, Supplier<String> snapshot) throws IOException {
        Viewer viewer = admit();
        if (viewer == null) {
            refused.increment();
            Responses.text(exchange, 503, "too many status page viewers (at most " + maxViewers
                    + "); close a tab or try again later", "Retry-After", "5");
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "status page viewer {0} connected from {1}", viewer.id(), exchange.getRemoteAddress());
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.getResponseHeaders().set("X-Accel-Buffering", "no"); // a reverse proxy in front must not buffer it
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            write(out, "retry: " + RETRY.toMillis() + "\n\n");
            pump(viewer, out, snapshot);
        } catch (IOException gone) {
            // The browser closed the tab or the connection: the usual end of a stream.
            LOG.log(System.Logger.Level.DEBUG, "status page viewer {0} gone: {1}", viewer.id(), gone.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the listener is stopping
        } finally {
            viewer.close();
            viewers.remove(viewer);
        }
    }

    private Viewer admit() {
        if (closed.get()) {
            return null;
        }
        Viewer viewer = new Viewer(ids.incrementAndGet(), buffer);
        viewers.add(viewer);
        if (viewers.size() > maxViewers || closed.get()) {
            viewers.remove(viewer);
            return null;
        }
        return viewer;
    }

    private static void pump(Viewer viewer, OutputStream out, Supplier<String> snapshot)
            throws IOException, InterruptedException {
        while (true) {
            Viewer.Next next = viewer.next(HEARTBEAT.toNanos());
            switch (next.kind()) {
                case CLOSED -> {
                    return;
                }
                case SNAPSHOT -> write(out, Viewer.frame("snapshot", snapshot.get()));
                case FRAME -> write(out, next.frame());
                case HEARTBEAT -> write(out, ": heartbeat\n\n");
            }
        }
    }

    private static void write(OutputStream out, String frame) throws IOException {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void onHealthChange(HealthEvent event) {
        if (!viewers.isEmpty()) {
            fanOut(Viewer.frame("health", PageJson.event(event)));
        }
    }

    @Override
    public void onAdminChange(AdminEvent event) {
        if (viewers.isEmpty()) {
            return;
        }
        if (event.change() == AdminEvent.Change.ADDED || event.change() == AdminEvent.Change.REMOVED) {
            viewers.forEach(Viewer::resync); // a row comes or goes: the whole state is simplest to apply
        } else {
            fanOut(Viewer.frame("admin", PageJson.event(event)));
        }
    }

    @Override
    public void onReload(ReloadOutcome outcome) {
        if (!viewers.isEmpty()) {
            fanOut(Viewer.frame("reload", PageJson.event(outcome)));
        }
    }

    /** Hands every viewer the newest stats, replacing any it has not sent yet. */
    void stats(String stateJson) {
        String frame = Viewer.frame("stats", stateJson);
        viewers.forEach(v -> v.stats(frame));
    }

    private void fanOut(String frame) {
        for (Viewer viewer : viewers) {
            if (!viewer.offer(frame)) {
                resyncs.increment();
                LOG.log(System.Logger.Level.INFO, "status page viewer {0} fell behind; it gets a fresh snapshot", viewer.id());
            }
        }
    }

    boolean hasViewers() {
        return !viewers.isEmpty();
    }

    /** Browsers connected now. */
    int viewerCount() {
        return viewers.size();
    }

    /** The most frames any one browser has waiting now: never above the buffer and one stats frame. */
    int mostWaiting() {
        return viewers.stream().mapToInt(Viewer::waiting).max().orElse(0);
    }

    /** Times a browser fell behind and its waiting events were replaced by a snapshot. */
    long resyncs() {
        return resyncs.sum();
    }

    /** Browsers turned away because {@link #maxViewers} were connected. */
    long refused() {
        return refused.sum();
    }

    /** Ends every stream; each viewer's thread returns from {@link #serve} and closes its exchange. */
    @Override
    public void close() {
        closed.set(true);
        viewers.forEach(Viewer::close);
    }
}
