package dev.lb.balancer.page;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.lb.balancer.admin.StatusReader;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.metrics.BalancerMetrics;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The live status page, served on the metrics listener beside {@code /metrics}: {@code /} (HTML, CSS,
 * JavaScript from the jar), {@code /api/status} (the whole state as JSON) and {@code /events} (the same
 * state and the pool's events as Server-Sent Events). Read-only: changing the balancer stays with
 * {@code lbctl} and the admin port's protections.
 *
 * <p>Owns no thread. Once a second the balancer's {@link Scheduler} ({@code timers-1}) runs its
 * sample: it reads the metrics' counters into the history's rings and, while a browser is connected,
 * drops the state into every viewer's buffer (never waiting on a browser). Each connected browser
 * holds one of the metrics listener's threads ({@link #threadsNeeded}), which writes its stream.
 */
public final class StatusPage implements HttpHandler, AutoCloseable {
    static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(StatusPage.class.getName());

    private final BackendPool pool;
    private final Clock clock;
    private final StatusHistory history;
    private final EventStream events;
    private final Assets assets = new Assets();
    /** The once-a-second sample, on the timer's thread. */
    private final Repeating sampler;
    /** Set once the proxy listens (its address is part of the page); null until then. */
    private volatile StatusReader reader;

    /**
     * A page with the default viewer limits, sampling once a second, at once first.
     *
     * @param timers runs the samples (the balancer's {@code Timers}); not closed by the page
     */
    public StatusPage(BackendPool pool, BalancerMetrics metrics, Clock clock, Scheduler timers) {
        this(pool, metrics, clock, timers, EventStream.DEFAULT_BUFFER, EventStream.DEFAULT_MAX_VIEWERS);
    }

    StatusPage(BackendPool pool, BalancerMetrics metrics, Clock clock, Scheduler timers, int buffer, int maxViewers) {
        this.pool = pool;
        this.clock = clock;
        this.history = new StatusHistory(pool, metrics, clock);
        this.events = new EventStream(buffer, maxViewers);
        pool.addListener(history);
        pool.addListener(events);
        register(metrics);
        // A sample only reads counters and fills buffers, so it runs on the timer's thread itself.
        sampler = Repeating.atFixedRate(timers, Runnable::run, "status page sample", Duration.ZERO, SAMPLE_INTERVAL,
                this::tick);
    }

    /** Threads the metrics listener needs so that scrapes never wait behind connected browsers. */
    public static int threadsNeeded() {
        return EventStream.DEFAULT_MAX_VIEWERS + 4;
    }

    /** Makes the page whole: from now on it shows the balancer and streams events. */
    public void attach(StatusReader reader) {
        this.reader = reader;
    }

    private void register(BalancerMetrics metrics) {
        GaugeWithCallback.builder().name("lb_status_page_viewers")
                .help("Browsers connected to the status page's event stream now")
                .callback(cb -> cb.call(events.viewerCount()))
                .register(metrics.registry());
        CounterWithCallback.builder().name("lb_status_page_resyncs")
                .help("Times a browser fell behind the status page's events and was sent a fresh snapshot instead")
                .callback(cb -> cb.call(events.resyncs()))
                .register(metrics.registry());
        CounterWithCallback.builder().name("lb_status_page_refused")
                .help("Browsers turned away from the status page's event stream because the most allowed were connected")
                .callback(cb -> cb.call(events.refused()))
                .register(metrics.registry());
    }

    /** One sample, and the state to every viewer; on the timer's thread. */
    private void tick() {
        try {
            Instant now = clock.instant();
            history.sample(now);
            StatusReader current = reader;
            if (current != null && events.hasViewers()) {
                events.stats(PageJson.state(current, history, now));
            }
        } catch (RuntimeException e) {
            // Logged in one line and skipped; the next second samples again.
            LOG.log(System.Logger.Level.WARNING, "status page sample failed: {0}", e.toString());
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getRequestBody().close();
            Responses.text(exchange, 405, method + " is not allowed: the status page is read-only (use lbctl to change the balancer)",
                    "Allow", "GET, HEAD");
            return;
        }
        Assets.Asset asset = assets.at(path);
        if (asset != null) {
            Responses.send(exchange, 200, asset.contentType(), asset.body(),
                    "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
                    "Referrer-Policy", "no-referrer");
            return;
        }
        StatusReader current = reader;
        switch (path) {
            case "/api/status" -> {
                if (current == null) {
                    starting(exchange);
                } else {
                    Responses.send(exchange, 200, "application/json",
                            PageJson.state(current, history, clock.instant()).getBytes(StandardCharsets.UTF_8));
                }
            }
            case "/events" -> {
                if (method.equals("HEAD")) {
                    // What a GET would start with, and no stream: a HEAD has no body to keep open.
                    Responses.send(exchange, 200, "text/event-stream; charset=utf-8", new byte[0]);
                } else if (current == null) {
                    starting(exchange);
                } else {
                    events.serve(exchange, () -> PageJson.state(current, history, clock.instant()));
                }
            }
            default -> Responses.text(exchange, 404, "nothing at " + path
                    + ": the status page is at /, its data at /api/status and /events, metrics at /metrics");
        }
    }

    private static void starting(HttpExchange exchange) throws IOException {
        Responses.text(exchange, 503, "the balancer is starting: its first health checks are on their way",
                "Retry-After", "1");
    }

    /** Browsers connected now. */
    int viewerCount() {
        return events.viewerCount();
    }

    EventStream events() {
        return events;
    }

    StatusHistory history() {
        return history;
    }

    /** Ends every browser's stream and stops sampling; the listener stops after this. */
    @Override
    public void close() {
        pool.removeListener(history);
        pool.removeListener(events);
        events.close();
        sampler.cancel();
    }
}
