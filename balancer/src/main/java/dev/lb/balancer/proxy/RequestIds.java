package dev.lb.balancer.proxy;

import com.sun.net.httpserver.HttpExchange;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The request ID that ties a client's answer to the access log and to what the backend saw, as
 * nginx's {@code $request_id}, HAProxy's {@code unique-id-header} and Envoy's {@code x-request-id}.
 * A well-formed ID from the client is kept, so a trace started upstream of the balancer goes on.
 */
public final class RequestIds {
    /** The header's name when the config does not rename it. */
    public static final String DEFAULT_HEADER = "X-Request-Id";
    /** The longest client ID kept; a longer one is replaced rather than cut (a cut ID ties to nothing). */
    static final int MAX_LENGTH = 200;
    /** Request IDs off: no header is read, added or forwarded. */
    public static final RequestIds OFF = new RequestIds("");

    private final String header;

    /** @param header the header's name; empty turns IDs off */
    public RequestIds(String header) {
        this.header = header;
    }

    public boolean enabled() {
        return !header.isEmpty();
    }

    /** The header's name, empty when IDs are off. */
    public String header() {
        return header;
    }

    /** The client's ID when it is well-formed, else a new one; null when IDs are off. */
    String idFor(HttpExchange exchange) {
        if (!enabled()) {
            return null;
        }
        String given = exchange.getRequestHeaders().getFirst(header);
        return wellFormed(given) ? given : newId();
    }

    /**
     * Whether a client's ID can be passed on as it is: 1 to {@value #MAX_LENGTH} visible ASCII
     * characters, so it can never break a log line or a header.
     */
    static boolean wellFormed(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * 128 random bits in 32 hex digits, as nginx's {@code $request_id}. ThreadLocalRandom rather than
     * SecureRandom: an ID needs to be unique, not unguessable, and a shared SecureRandom would be one
     * more lock on every request.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] hex = new char[32];
        fill(hex, 0, random.nextLong());
        fill(hex, 16, random.nextLong());
        return new String(hex);
    }

    private static void fill(char[] hex, int from, long bits) {
        for (int i = 15; i >= 0; i--) {
            hex[from + i] = Character.forDigit((int) (bits & 0xf), 16);
            bits >>>= 4;
        }
    }
}
