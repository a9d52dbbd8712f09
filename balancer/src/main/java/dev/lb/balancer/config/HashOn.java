package dev.lb.balancer.config;

import java.util.Locale;
import java.util.Optional;

/**
 * What the {@code hash} algorithm hashes to place a request (config {@code hashOn}): the client's
 * address, a request header, a request cookie, or the path.
 *
 * @param source where the key comes from
 * @param name   the header or cookie name; empty for {@link Source#CLIENT_IP} and {@link Source#PATH}
 */
public record HashOn(Source source, String name) {
    /** Without {@code hashOn}: the client's address, as nginx's {@code ip_hash} and HAProxy's {@code balance source}. */
    public static final HashOn DEFAULT = new HashOn(Source.CLIENT_IP, "");

    /** Where a hash key comes from. */
    public enum Source {
        CLIENT_IP, HEADER, COOKIE, PATH
    }

    /** Reads {@code "client-ip"}, {@code "path"}, {@code "header:NAME"} or {@code "cookie:NAME"}; empty otherwise. */
    public static Optional<HashOn> parse(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("client-ip")) {
            return Optional.of(DEFAULT);
        }
        if (lower.equals("path")) {
            return Optional.of(new HashOn(Source.PATH, ""));
        }
        int colon = text.indexOf(':');
        if (colon < 0 || colon == text.length() - 1) {
            return Optional.empty();
        }
        String name = text.substring(colon + 1).strip();
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0)) {
            return Optional.empty();
        }
        return switch (lower.substring(0, colon)) {
            case "header" -> Optional.of(new HashOn(Source.HEADER, name));
            case "cookie" -> Optional.of(new HashOn(Source.COOKIE, name));
            default -> Optional.empty();
        };
    }

    /** As written in the config. */
    @Override
    public String toString() {
        return switch (source) {
            case CLIENT_IP -> "client-ip";
            case PATH -> "path";
            case HEADER -> "header:" + name;
            case COOKIE -> "cookie:" + name;
        };
    }
}
