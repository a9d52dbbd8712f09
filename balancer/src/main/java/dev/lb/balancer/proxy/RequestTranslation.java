package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.lb.balancer.server.ClientReadTimeout;
import dev.lb.balancer.upstream.BackendRequest;
import dev.lb.balancer.upstream.StreamingRequestBody;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns the client's request into the one sent to a backend. */
final class RequestTranslation {
    private RequestTranslation() {
    }

    /** The request to forward: the client's end-to-end fields plus Host and the forwarding fields. */
    static BackendRequest toBackendRequest(HttpExchange exchange, StreamingRequestBody body) {
        return toBackendRequest(exchange, body, null, null, null);
    }

    /** As {@link #toBackendRequest(HttpExchange, StreamingRequestBody)}, without the sticky cookie {@code stickyCookie}. */
    static BackendRequest toBackendRequest(HttpExchange exchange, StreamingRequestBody body, String stickyCookie) {
        return toBackendRequest(exchange, body, stickyCookie, null, null);
    }

    /** As {@link #toBackendRequest(HttpExchange, StreamingRequestBody)}, with the request's ID. */
    static BackendRequest toBackendRequest(HttpExchange exchange, StreamingRequestBody body, String idHeader,
                                           String requestId) {
        return toBackendRequest(exchange, body, null, idHeader, requestId);
    }

    /**
     * The request to forward: the client's end-to-end fields plus Host, the forwarding fields and the
     * request's ID in {@code idHeader}, in place of any the client sent ({@code requestId} null for
     * none); without the balancer's own sticky cookie when {@code stickyCookie} names one (the backend
     * never sees it).
     */
    static BackendRequest toBackendRequest(HttpExchange exchange, StreamingRequestBody body, String stickyCookie,
                                           String idHeader, String requestId) {
        Headers in = exchange.getRequestHeaders();
        Set<String> hopByHop = HopByHop.namesFor(in.get("Connection"));
        String host = hostFor(exchange);
        List<String> out = new ArrayList<>(2 * in.size() + 8);
        for (Map.Entry<String, List<String>> header : in.entrySet()) {
            String name = header.getKey();
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (hopByHop.contains(lower) || lower.equals("expect") || lower.equals("content-length")
                    || lower.equals("host") || lower.equals("x-forwarded-for") || lower.equals("x-forwarded-proto")
                    || lower.equals("x-forwarded-host") && host != null
                    || requestId != null && name.equalsIgnoreCase(idHeader)) {
                // Expect was answered by this server already; Content-Length is set from the body; Host, the
                // forwarding fields and the request ID are set below.
                continue;
            }
            boolean cookie = stickyCookie != null && lower.equals("cookie");
            for (String value : header.getValue()) {
                String forwarded = cookie ? StickyCookie.without(value, stickyCookie) : value;
                if (forwarded != null) {
                    out.add(name);
                    out.add(forwarded);
                }
            }
        }
        if (host != null) {
            out.add("Host");
            out.add(host);
        }
        addForwardingHeaders(exchange, host, out);
        if (requestId != null) {
            out.add(idHeader);
            out.add(requestId);
        }
        URI target = exchange.getRequestURI();
        return new BackendRequest(exchange.getRequestMethod(), RequestTargets.originForm(target), out,
                host != null, body);
    }

    /**
     * The Host the backend sees: the client's, unchanged; for a request in absolute form, the target's
     * authority, which RFC 9112 section 3.2.2 says replaces the Host header.
     */
    static String hostFor(HttpExchange exchange) {
        URI target = exchange.getRequestURI();
        if (target.getScheme() != null && target.getHost() != null) {
            // host and port only: any user-info in the target is dropped
            return target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort();
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        return host == null ? null : host.trim();
    }

    /** X-Forwarded-For (appended to), X-Forwarded-Proto and X-Forwarded-Host, as nginx and HAProxy set them. */
    private static void addForwardingHeaders(HttpExchange exchange, String host, List<String> out) {
        Headers in = exchange.getRequestHeaders();
        InetSocketAddress remote = exchange.getRemoteAddress();
        String client = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
        List<String> previous = in.get("X-Forwarded-For");
        out.add("X-Forwarded-For");
        out.add(previous == null || previous.isEmpty() ? client : String.join(", ", previous) + ", " + client);
        out.add("X-Forwarded-Proto");
        out.add(exchange instanceof com.sun.net.httpserver.HttpsExchange ? "https" : "http");
        if (host != null) {
            out.add("X-Forwarded-Host");
            out.add(host);
        }
    }

    /** The client's body, read from {@code requestBody} (the exchange's own or a wrapper), or null when the request has none. */
    static StreamingRequestBody body(HttpExchange exchange, ClientReadTimeout readTimeout, InputStream requestBody) {
        Headers in = exchange.getRequestHeaders();
        if (in.containsKey("Transfer-Encoding")) {
            return new StreamingRequestBody(source(requestBody, readTimeout), -1);
        }
        String length = in.getFirst("Content-Length");
        if (length == null) {
            return null;
        }
        long contentLength = ResponseTranslation.parseLength(length);
        return contentLength > 0 ? new StreamingRequestBody(source(requestBody, readTimeout), contentLength) : null;
    }

    /** Reads of the client's body, each bounded by {@code readTimeout} when there is one. */
    private static StreamingRequestBody.Source source(InputStream in, ClientReadTimeout readTimeout) {
        return readTimeout == null ? in::read : buffer -> readTimeout.read(in, buffer);
    }
}
