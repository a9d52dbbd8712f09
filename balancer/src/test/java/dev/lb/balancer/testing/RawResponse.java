package dev.lb.balancer.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One response as read off the wire.
 *
 * @param status   status code
 * @param headers  header fields in wire order, names as sent
 * @param body     the body bytes received (decoded from chunks when chunked)
 * @param complete whether the body ended as its framing says (all Content-Length bytes, or the last chunk)
 * @param chunked  whether the body came chunked
 */
public record RawResponse(int status, List<Map.Entry<String, String>> headers, byte[] body, boolean complete,
                          boolean chunked) {

    /** Every value of a header, case-insensitively, in wire order. */
    public List<String> values(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    public String header(String name) {
        List<String> values = values(name);
        return values.isEmpty() ? null : values.get(0);
    }

    public boolean has(String name) {
        return !values(name).isEmpty();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public boolean closesConnection() {
        String connection = header("Connection");
        return connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
    }
}
