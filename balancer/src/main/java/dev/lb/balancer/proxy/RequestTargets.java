package dev.lb.balancer.proxy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The request line's target for a backend: the client's path and query in one canonical form, the one
 * OkHttp's URL parser gives (WHATWG URL rules), so backends see the same target whichever client
 * carries the request. Most targets are already canonical and pass as they are; anything else has its
 * dot segments removed (RFC 3986, section 5.2.4, with {@code %2e} as a dot and {@code \} as a slash)
 * and the characters outside the path's or query's set percent-encoded as UTF-8.
 */
final class RequestTargets {
    /** Encoded in a path segment: space, {@code " < > ^ ` { } | / \ ? #}, controls and non-ASCII. */
    private static final CharClass PATH_ENCODED = CharClass.of(" \"<>^`{}|/\\?#");
    /** Encoded in a query: space, {@code " ' < > #}, controls and non-ASCII. */
    private static final CharClass QUERY_ENCODED = CharClass.of(" \"'<>#");
    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();
    private static final CharClass PATH = CharClass.alphanumericAnd("-._~!$&'()*+,;=:@/");
    /** {@code '} is encoded in a query, so it is not among the characters passed as they are. */
    private static final CharClass QUERY = CharClass.alphanumericAnd("-._~!$&()*+,;=:@/?");
    private static final CharClass HEX = CharClass.of("0123456789abcdefABCDEF");

    private RequestTargets() {
    }

    /** Path and query, e.g. {@code /a/b?x=1}; {@code /} for an empty path. */
    static String originForm(URI target) {
        String path = rawPath(target);
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        String query = target.getRawQuery();
        if (path.startsWith("/") && isCanonical(path, PATH) && !path.contains("/.") && (query == null || isCanonical(query, QUERY))) {
            return query == null ? path : path + "?" + query;
        }
        String canonicalPath = canonicalPath(path);
        return query == null ? canonicalPath : canonicalPath + "?" + canonical(query, QUERY_ENCODED);
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

    /**
     * The path with dot segments resolved and each segment's characters encoded. A target not in origin
     * form (say {@code *}) has no path of its own: what precedes its first slash would be parsed as a
     * host, so only the rest is kept, or {@code /}.
     */
    static String canonicalPath(String path) {
        int start = firstSlash(path, 0);
        if (start < 0) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        segments.add("");
        int i = start + 1;
        while (i < path.length()) {
            int end = firstSlash(path, i);
            boolean slashFollows = end >= 0;
            push(segments, canonical(path.substring(i, slashFollows ? end : path.length()), PATH_ENCODED), slashFollows);
            i = slashFollows ? end + 1 : path.length();
        }
        return "/" + String.join("/", segments);
    }

    /** Adds one segment: "." is dropped, ".." removes the segment before it. */
    private static void push(List<String> segments, String segment, boolean slashFollows) {
        if (segment.equals(".") || segment.equalsIgnoreCase("%2e")) {
            return;
        }
        if (isDotDot(segment)) {
            String removed = segments.remove(segments.size() - 1);
            if (removed.isEmpty() && !segments.isEmpty()) {
                segments.set(segments.size() - 1, "");
            } else {
                segments.add("");
            }
            return;
        }
        if (segments.get(segments.size() - 1).isEmpty()) {
            segments.set(segments.size() - 1, segment);
        } else {
            segments.add(segment);
        }
        if (slashFollows) {
            segments.add("");
        }
    }

    private static boolean isDotDot(String segment) {
        return segment.equals("..") || segment.equalsIgnoreCase("%2e.") || segment.equalsIgnoreCase(".%2e")
                || segment.equalsIgnoreCase("%2e%2e");
    }

    private static int firstSlash(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '/' || s.charAt(i) == '\\') {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code s}, already percent-encoded by the client, with the characters of {@code encoded}, controls
     * and non-ASCII encoded as UTF-8 escapes; tab, CR, LF and form feed are dropped, as URL parsers do.
     * A {@code %} is kept as it is, escape or not, so nothing is encoded twice.
     */
    private static String canonical(String s, CharClass encoded) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\t' || c == '\n' || c == '\f' || c == '\r') {
                continue;
            }
            if (c < 0x20 || c == 0x7f || c >= 0x80 || encoded.contains((char) c)) {
                for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX_DIGITS[(b >> 4) & 0xf]).append(HEX_DIGITS[b & 0xf]);
                }
            } else {
                out.appendCodePoint(c);
            }
        }
        return out.toString();
    }

    /** Only characters {@link #canonical} keeps as they are, and well-formed percent-escapes (but no escaped dot). */
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
