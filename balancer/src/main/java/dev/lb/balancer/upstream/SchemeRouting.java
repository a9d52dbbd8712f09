package dev.lb.balancer.upstream;

import dev.lb.balancer.config.BackendClientKind;
import dev.lb.balancer.config.TimeoutConfig;
import dev.lb.balancer.util.Timers;

import java.io.IOException;
import java.net.URI;

/**
 * The balancer's {@link BackendClient}: {@code https://} backends go through OkHttp, {@code http://}
 * ones through the configured client. Both share one {@link BlockingSocketFactory}, so every backend
 * socket's deadlines are kept by the same watchdog.
 */
final class SchemeRouting implements BackendClient {
    /** The timer service made for this client alone; null when it runs on a shared one. */
    private final Timers own;
    private final BlockingSocketFactory sockets;
    private final OkHttpBackend okHttp;
    /** The direct client when configured; null when OkHttp carries plain HTTP too. */
    private final DirectClient direct;
    private volatile TimeoutConfig timeouts;

    /** @param timers where socket deadlines and idle sweeps run; null to own a timer service */
    SchemeRouting(TimeoutConfig timeouts, BackendClientKind kind, Timers timers) {
        this.timeouts = timeouts;
        this.own = timers == null ? new Timers() : null;
        Timers shared = timers == null ? own : timers;
        this.sockets = new BlockingSocketFactory(shared);
        this.okHttp = new OkHttpBackend(timeouts, sockets);
        this.direct = kind == BackendClientKind.DIRECT ? new DirectClient(timeouts, sockets, shared) : null;
    }

    @Override
    public BackendResponse execute(URI backend, BackendRequest request, Attempt attempt, boolean fresh)
            throws IOException {
        if (direct != null && "http".equalsIgnoreCase(backend.getScheme())) {
            return direct.execute(backend, request, attempt, fresh);
        }
        return okHttp.execute(backend, request, attempt, fresh);
    }

    @Override
    public void timeouts(TimeoutConfig timeouts) {
        this.timeouts = timeouts;
        okHttp.timeouts(timeouts);
        if (direct != null) {
            direct.timeouts(timeouts);
        }
    }

    @Override
    public TimeoutConfig timeouts() {
        return timeouts;
    }

    @Override
    public void close() {
        if (direct != null) {
            direct.close();
        }
        okHttp.close();
        sockets.close();
        if (own != null) {
            own.close();
        }
    }
}
