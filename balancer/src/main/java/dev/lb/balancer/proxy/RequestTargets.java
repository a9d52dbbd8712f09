package dev.lb.balancer.proxy;

import okhttp3.HttpUrl;

import java.net.URI;

/**
 * The request line's target for a backend: the client's path and query, in the form OkHttp put on the
 * wire. Most targets are already canonical and pass as they are; anything else (dot segments,
 * characters OkHttp percent-encodes, non-origin forms) is canonicalised by OkHttp's own URL builder, so
 * backends see the same target whichever client carries the request.
 */
final class RequestTargets {
    private static final HttpUrl BASE = HttpUrl.get("http://localhost/");
    private static final CharClass PATH = CharClass.alphanumericAnd("-._~!$&'()*+,;=:@/");
    /** OkHttp encodes {@code '} in a query, so it is not among the characters passed as they are. */
    private static final CharClass QUERY = CharClass.alphanumericAnd("-._~!$&()*+,;=:@/?");
    private static final CharClass HEX = CharClass.of("0123456789abcdefABCDEF");

    private RequestTargets() {
    }

    /** Path and query, e.g. {@code /a/b?x=1}; {@code /} for an empty path. */
    static String originForm(URI target) {
        String path = rawPath(target);
        if (path.isEmpty()) {
            path = "/";
        }
        String query = target.getRawQuery();
        if (path.startsWith("/") && isCanonical(path, PATH) && !path.contains("/.") && (query == null || isCanonical(query, QUERY))) {
            return query == null ? path : path + "?" + query;
        }
        HttpUrl url = RequestTranslation.targetUrl(BASE, target);
        String encodedQuery = url.encodedQuery();
        return encodedQuery == null ? url.encodedPath() : url.encodedPath() + "?" + encodedQuery;
    }

    /**
     * The target's path as the client sent it. A server parses an origin-form target such as {@code
     * //a//b} as a URI, which reads its first segment as an authority ({@code a}) and leaves the path
     * {@code //b}; RFC 9112 section 3.2.1 makes the whole of it the path, so the authority is put back.
     */
    static String rawPath(URI target) {
        if (target.getScheme() == null) {
            // [//authority]path[?query], as sent: an empty authority ("///x") is dropped by getRawAuthority
            String sent = target.getRawSchemeSpecificPart();
            int query = sent.indexOf('?');
            return query < 0 ? sent : sent.substring(0, query);
        }
        return target.getRawPath() == null ? "" : target.getRawPath();
    }

    /** Only characters OkHttp keeps as they are, and well-formed percent-escapes (but no escaped dot). */
    private static boolean isCanonical(String s, CharClass allowed) {
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= length || !HEX.contains(s.charAt(i + 1)) || !HEX.contains(s.charAt(i + 2))
                        || s.charAt(i + 1) == '2' && (s.charAt(i + 2) == 'e' || s.charAt(i + 2) == 'E')) {
                    return false;
                }
                i += 2;
            } else if (!allowed.contains(c)) {
                return false;
            }
        }
        return true;
    }
}
