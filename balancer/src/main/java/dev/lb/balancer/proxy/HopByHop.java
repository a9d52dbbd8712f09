package dev.lb.balancer.proxy;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection, so a proxy consumes them
 * instead of forwarding them, in both directions. Headers named in {@code Connection} are hop-by-hop
 * too.
 */
final class HopByHop {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection",
            "te", "trailer", "transfer-encoding", "upgrade");

    private HopByHop() {
    }

    /** The lower-case names not to forward, given the message's {@code Connection} header values. */
    static Set<String> namesFor(List<String> connectionValues) {
        if (connectionValues == null || connectionValues.isEmpty()) {
            return ALWAYS;
        }
        // Usually just "keep-alive", already in ALWAYS: then no set is built for the message.
        Set<String> names = ALWAYS;
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !names.contains(name)) {
                    if (names == ALWAYS) {
                        names = new HashSet<>(ALWAYS);
                    }
                    names.add(name);
                }
            }
        }
        return names;
    }
}
