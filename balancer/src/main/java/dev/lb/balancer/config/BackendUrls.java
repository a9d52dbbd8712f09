package dev.lb.balancer.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Parses backend base URLs. A backend is a scheme, a host and a port: paths, queries and credentials
 * are rejected rather than half-honoured, since the client's path is forwarded as is.
 */
public final class BackendUrls {
    private BackendUrls() {
    }

    /**
     * Returns the normalised base URL ({@code http://host:port}, no trailing slash).
     *
     * @throws IllegalArgumentException with a message naming the problem and the expected form
     */
    public static URI parse(String text) {
        String example = " like \"http://localhost:8001\"";
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid URL; use an http(s) URL" + example);
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme) || uri.getHost() == null || uri.isOpaque()) {
            throw new IllegalArgumentException("\"" + text + "\" is not an http(s) URL" + example);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("\"" + text + "\" must not contain credentials");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("\"" + text + "\" must be a base URL without path or query" + example);
        }
        if (uri.getPort() > 65_535) {
            throw new IllegalArgumentException("\"" + text + "\" has a port out of range (1-65535)");
        }
        try {
            return new URI(scheme, null, uri.getHost().toLowerCase(Locale.ROOT), uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid URL" + example);
        }
    }
}
