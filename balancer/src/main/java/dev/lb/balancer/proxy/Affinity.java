package dev.lb.balancer.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.HashOn;
import dev.lb.balancer.config.StickyCookieConfig;
import dev.lb.balancer.select.ConsistentHash;
import dev.lb.balancer.select.Placement;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.select.TrafficPolicy;

import java.net.InetSocketAddress;

/**
 * What ties a request to a backend: its hash key (with the {@code hash} algorithm) and its sticky
 * cookie. Read once per request from the policies in effect, so a reload applies from the next request.
 */
final class Affinity {
    private final BackendPool pool;
    private final RequestQueue queue;

    /**
     * One request's affinity.
     *
     * @param placement   the key and the backend the cookie names, for the queue
     * @param cookieName  the sticky cookie's name; null when sticky cookies are off
     * @param cookieValue the value the request carried; null for none
     */
    record Request(Placement placement, String cookieName, String cookieValue) {
        static final Request NONE = new Request(Placement.NONE, null, null);
    }

    Affinity(BackendPool pool, RequestQueue queue) {
        this.pool = pool;
        this.queue = queue;
    }

    Request read(HttpExchange exchange) {
        TrafficPolicy policy = queue.policy();
        Placement placement = queue.strategy() instanceof ConsistentHash
                ? keyOf(exchange, policy.hash().hashOn()) : Placement.NONE;
        StickyCookieConfig sticky = policy.stickyCookie();
        if (!sticky.enabled()) {
            return placement == Placement.NONE ? Request.NONE : new Request(placement, null, null);
        }
        String value = StickyCookie.valueIn(exchange.getRequestHeaders().get("Cookie"), sticky.name());
        Backend named = value == null ? null : StickyCookie.backendFor(value, pool.available());
        return new Request(named == null ? placement : placement.preferring(named), sticky.name(), value);
    }

    /**
     * Pins the client to the backend that answered, unless its cookie names that one already: a first
     * answer sets the cookie, an answer from another backend (the named one was DOWN, out of rotation,
     * or failed) replaces it.
     */
    void answered(HttpExchange exchange, Backend backend, Request request) {
        if (request.cookieName() == null || backend.stickyId().equals(request.cookieValue())) {
            return;
        }
        exchange.getResponseHeaders().add("Set-Cookie", StickyCookie.setCookie(request.cookieName(),
                backend.stickyId(), exchange instanceof HttpsExchange));
    }

    /** The request's hash key as {@code hashOn} says; unkeyed when the header or cookie is absent. */
    static Placement keyOf(HttpExchange exchange, HashOn hashOn) {
        String key = switch (hashOn.source()) {
            case CLIENT_IP -> clientAddress(exchange);
            case HEADER -> exchange.getRequestHeaders().getFirst(hashOn.name());
            case COOKIE -> StickyCookie.valueIn(exchange.getRequestHeaders().get("Cookie"), hashOn.name());
            case PATH -> {
                String path = exchange.getRequestURI().getRawPath();
                yield path == null || path.isEmpty() ? "/" : path;
            }
        };
        return key == null ? Placement.NONE : Placement.ofKey(key);
    }

    private static String clientAddress(HttpExchange exchange) {
        InetSocketAddress remote = exchange.getRemoteAddress();
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }
}
