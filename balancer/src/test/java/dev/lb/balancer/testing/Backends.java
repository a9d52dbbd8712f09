package dev.lb.balancer.testing;

import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.config.ServerConfig;

import java.net.URI;

/** Backends for unit tests that need no server behind them. */
public final class Backends {
    private Backends() {
    }

    public static Backend backend(int port) {
        return backend(port, 1);
    }

    public static Backend backend(int port, int weight) {
        URI url = URI.create("http://127.0.0.1:" + port);
        return new Backend(new ServerConfig(url, url.toString(), weight, true));
    }

    /** Puts {@code n} requests in flight on {@code backend}. */
    public static Backend busy(Backend backend, int n) {
        for (int i = 0; i < n; i++) {
            backend.acquire();
        }
        return backend;
    }
}
