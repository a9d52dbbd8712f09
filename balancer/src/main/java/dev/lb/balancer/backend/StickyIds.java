package dev.lb.balancer.backend;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The opaque IDs sticky cookies name backends by: the first 16 hex digits of the SHA-256 of the
 * backend's URL. Stable across restarts and shared by every balancer in front of the same backends, so
 * a client keeps its backend when another balancer or a restarted one answers it; a client sees no
 * address. (It is not a secret: someone who can guess the address can compute it.)
 */
public final class StickyIds {
    private StickyIds() {
    }

    public static String of(URI url) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("lb-sticky:" + url).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
