package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import dev.lb.balancer.upstream.ContentLength;
import dev.lb.balancer.upstream.ResponseHead;

import java.util.Locale;
import java.util.Set;

/** Turns a backend's response head into the one sent to the client. */
final class ResponseTranslation {
    /** {@code sendResponseHeaders} length meaning "no body at all". */
    static final long NO_BODY = -1;
    /** {@code sendResponseHeaders} length meaning "length unknown: chunked". */
    static final long CHUNKED = 0;

    private ResponseTranslation() {
    }

    static void copyHeaders(ResponseHead in, Headers out) {
        Set<String> hopByHop = HopByHop.namesFor(in.values("Connection"));
        for (int i = 0; i < in.size(); i++) {
            String name = in.name(i);
            String lower = name.toLowerCase(Locale.ROOT);
            if (hopByHop.contains(lower) || lower.equals("content-length")) {
                continue;
            }
            if (!CharClass.TOKEN.matchesAll(name)) {
                // A line without a colon, or a name with spaces: nothing a client could parse safely.
                continue;
            }
            out.add(name, in.value(i));
        }
    }

    /**
     * The length to announce, in {@code HttpServer}'s terms, and the Content-Length header where the
     * server will not write it itself. HEAD and 304 answers keep the backend's Content-Length but carry no
     * body; 1xx and 204 have neither (RFC 9110 section 8.6).
     */
    static long responseLength(String method, ResponseHead response, Headers out) {
        int code = response.code();
        // Several Content-Length fields that differ: NumberFormatException, as for an invalid one (502).
        String backendLength = ContentLength.single(response.values("Content-Length"));
        if (method.equals("HEAD") || code == 304) {
            if (backendLength != null) {
                out.set("Content-Length", Long.toString(parseLength(backendLength)));
            }
            return NO_BODY;
        }
        if (code == 204 || code < 200) {
            return NO_BODY;
        }
        if (backendLength == null || response.header("Transfer-Encoding") != null) {
            // Transfer-Encoding overrides Content-Length (RFC 9112 section 6.3): the length is unknown.
            return CHUNKED;
        }
        long length = parseLength(backendLength);
        return length == 0 ? NO_BODY : length;
    }

    /** A Content-Length value: plain digits only, so "+5" or "5, 5" cannot slip through. */
    static long parseLength(String value) {
        return ContentLength.parse(value);
    }

    /** Whether the value, trimmed, is 1 to 18 plain digits: the one Content-Length rule, both directions. */
    static boolean isLength(String value) {
        return ContentLength.isValid(value);
    }
}
