package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.lb.balancer.server.ClientReadTimeout;
import okhttp3.HttpUrl;
import okhttp3.Request;

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

    /**
     * The backend's URL for this request: its base URL with the path and query exactly as the client sent
     * them. For a request in absolute form ({@code GET http://other/ HTTP/1.1}) only the path and query are
     * kept: the backend is always one of ours, never the host the client named.
     */
    static HttpUrl targetUrl(HttpUrl backend, URI uri) {
        String path = uri.getRawPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        String query = uri.getRawQuery();
        if (!path.startsWith("/")) {
            // Not origin form (say "*"): let OkHttp parse the whole URL, as for any other string.
            return HttpUrl.get(backend.toString().replaceAll("/$", "") + path + (query == null ? "" : "?" + query));
        }
        // The builder canonicalises path and query as parsing the whole URL would, without re-parsing the host.
        return backend.newBuilder().encodedPath(path).encodedQuery(query).build();
    }

    /**
     * The request to forward: the client's end-to-end fields plus Host, the forwarding fields and the
     * request's ID in {@code idHeader}, in place of any the client sent ({@code requestId}
     * null for none).
     */
    static BackendRequest toBackendRequest(HttpExchange exchange, StreamingRequestBody body, String idHeader,
                                           String requestId) {
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
            for (String value : header.getValue()) {
                out.add(name);
                out.add(value);
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
        return new BackendRequest(exchange.getRequestMethod(), target, RequestTargets.originForm(target), out,
                host != null, new WireHeaders.ClientHeaders(in.containsKey("User-Agent"), in.containsKey("Accept-Encoding")),
                body);
    }

    /** The OkHttp form of the request, for a backend OkHttp carries; URL, method and body set per attempt. */
    static Request.Builder toOkHttp(BackendRequest request) {
        okhttp3.Headers.Builder headers = new okhttp3.Headers.Builder();
        List<String> fields = request.headers();
        for (int i = 0; i < fields.size(); i += 2) {
            headers.addUnsafeNonAscii(fields.get(i), fields.get(i + 1));
        }
        return new Request.Builder().headers(headers.build()).tag(WireHeaders.ClientHeaders.class, request.clientHeaders());
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
            return new StreamingRequestBody(requestBody, -1, readTimeout);
        }
        String length = in.getFirst("Content-Length");
        if (length == null) {
            return null;
        }
        long contentLength = ResponseTranslation.parseLength(length);
        return contentLength > 0 ? new StreamingRequestBody(requestBody, contentLength, readTimeout) : null;
    }
}
