package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rejects requests a correct HTTP/1.1 intermediary must not forward (RFC 9110, RFC 9112), before any
 * backend is contacted. The JDK's {@code HttpServer} already refuses some framing errors itself
 * (both {@code Content-Length} and {@code Transfer-Encoding}, duplicate or non-numeric
 * {@code Content-Length}, transfer codings other than {@code chunked}); this covers what it lets
 * through. Each rejection ends the client connection, since after a framing error nothing read from it
 * can be trusted.
 */
final class RequestValidator {
    // Character classes checked by hand rather than by regular expressions: these run on every request,
    // and the regex engine was about 2% of the proxy's CPU.
    private static final CharClass REG_NAME = CharClass.alphanumericAnd("._~!$&'()*+,;=%-");
    private static final CharClass IP_LITERAL = CharClass.of("0123456789ABCDEFabcdef:.");

    private final Limits limits;

    /**
     * Size limits on a request head.
     *
     * @param maxTargetLength longest request target (path and query), in characters
     * @param maxHeaderBytes  largest total size of the header fields (names, values, separators)
     * @param maxHeaderCount  most header field lines
     */
    record Limits(int maxTargetLength, int maxHeaderBytes, int maxHeaderCount) {
        static final Limits DEFAULT = new Limits(8 * 1024, 32 * 1024, 100);
    }

    RequestValidator(Limits limits) {
        this.limits = limits;
    }

    /** The reason to reject this request, or empty when it may be forwarded. */
    Optional<ProxyException> check(HttpExchange exchange) {
        String protocol = exchange.getProtocol();
        if (!protocol.equals("HTTP/1.1") && !protocol.equals("HTTP/1.0")) {
            return reject(505, "HTTP version " + protocol + " is not supported; use HTTP/1.1");
        }
        if (!CharClass.TOKEN.matchesAll(exchange.getRequestMethod())) {
            return reject(400, "invalid request method");
        }
        URI target = exchange.getRequestURI();
        String raw = target.toString();
        if (raw.length() > limits.maxTargetLength()) {
            return reject(414, "request target longer than " + limits.maxTargetLength() + " characters");
        }
        if (target.getScheme() != null && !isHttpScheme(target.getScheme())) {
            return reject(400, "absolute request target must be http or https");
        }
        if (!isTargetForm(target)) {
            return reject(400, "request target must be a path starting with \"/\", an absolute http URL or \"*\"");
        }
        // The JDK server hands CONNECT's authority-form target on as a URI with a scheme (refused just
        // above); Jetty's server hands it on as "/", so the method itself is refused: no tunnels.
        if (exchange.getRequestMethod().equals("CONNECT")) {
            return reject(501, "CONNECT is not supported: this balancer does not open tunnels");
        }
        Headers headers = exchange.getRequestHeaders();
        Optional<ProxyException> size = checkSize(headers);
        if (size.isPresent()) {
            return size;
        }
        Optional<ProxyException> values = checkValues(headers);
        if (values.isPresent()) {
            return values;
        }
        Optional<ProxyException> host = checkHost(protocol, headers);
        if (host.isPresent()) {
            return host;
        }
        return checkFraming(protocol, headers);
    }

    private Optional<ProxyException> checkSize(Headers headers) {
        long bytes = 0;
        int lines = 0;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            for (String value : header.getValue()) {
                bytes += header.getKey().length() + value.length() + 4; // ": " and CRLF
                lines++;
            }
        }
        if (bytes > limits.maxHeaderBytes() || lines > limits.maxHeaderCount()) {
            return reject(431, "request headers exceed " + limits.maxHeaderBytes() + " bytes or "
                    + limits.maxHeaderCount() + " fields");
        }
        return Optional.empty();
    }

    /** Control characters in a value are how header injection reaches a backend (RFC 9110 5.5). */
    private static Optional<ProxyException> checkValues(Headers headers) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (!CharClass.TOKEN.matchesAll(header.getKey())) {
                return reject(400, "invalid header name");
            }
            for (String value : header.getValue()) {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        return reject(400, "control character in header " + header.getKey());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** RFC 9112 section 3.2: an HTTP/1.1 request has exactly one valid Host. */
    private static Optional<ProxyException> checkHost(String protocol, Headers headers) {
        List<String> hosts = headers.get("Host");
        if (hosts == null || hosts.isEmpty()) {
            return protocol.equals("HTTP/1.1") ? reject(400, "missing Host header") : Optional.empty();
        }
        if (hosts.size() > 1) {
            return reject(400, "more than one Host header");
        }
        if (!isHost(hosts.get(0).trim())) {
            return reject(400, "invalid Host header");
        }
        return Optional.empty();
    }

    /**
     * Framing the server let through but an intermediary must refuse (RFC 9112 section 6): a
     * Content-Length that is not plain digits, and Transfer-Encoding in an HTTP/1.0 request.
     */
    private static Optional<ProxyException> checkFraming(String protocol, Headers headers) {
        List<String> lengths = headers.get("Content-Length");
        if (lengths != null) {
            if (lengths.size() != 1 || !ResponseTranslation.isLength(lengths.get(0))) {
                return reject(400, "invalid Content-Length");
            }
        }
        List<String> codings = headers.get("Transfer-Encoding");
        if (codings != null) {
            if (lengths != null) {
                return reject(400, "both Content-Length and Transfer-Encoding");
            }
            if (protocol.equals("HTTP/1.0")) {
                return reject(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (codings.size() != 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
                return reject(501, "unsupported Transfer-Encoding; only chunked is accepted");
            }
        }
        return Optional.empty();
    }

    /** RFC 3986 host (an IP literal in brackets, or a possibly empty reg-name) and an optional port. */
    static boolean isHost(String value) {
        int end = value.length();
        int hostEnd;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 2 || !IP_LITERAL.matches(value, 1, close)) {
                return false;
            }
            hostEnd = close + 1;
        } else {
            hostEnd = REG_NAME.span(value, 0);
        }
        if (hostEnd == end) {
            return true;
        }
        return value.charAt(hostEnd) == ':' && end - hostEnd - 1 <= 5 && CharClass.DIGIT.matches(value, hostEnd + 1, end);
    }

    /**
     * Whether the target has one of RFC 9112's forms a proxy forwards (section 3.2): origin form
     * ({@code /path?query}), absolute form (its scheme is checked apart) or asterisk form. Anything
     * else (say {@code a/b}) names no path on the backend.
     */
    private static boolean isTargetForm(URI target) {
        String path = target.getRawPath();
        return target.getScheme() != null || path == null || path.isEmpty() || path.startsWith("/") || path.equals("*");
    }

    private static boolean isHttpScheme(String scheme) {
        return scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https");
    }

    private static Optional<ProxyException> reject(int status, String message) {
        return Optional.of(new ProxyException(status, message));
    }
}
