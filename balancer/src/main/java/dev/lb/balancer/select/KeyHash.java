package dev.lb.balancer.select;

/**
 * 64-bit hashes of keys and ring points: FNV-1a over the characters, then MurmurHash3's finaliser, so
 * keys that differ in one character ("user-1", "user-2") land far apart on the ring.
 */
final class KeyHash {
    private KeyHash() {
    }

    static long of(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** MurmurHash3 fmix64. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb93fe53e1a85L;
        h ^= h >>> 33;
        return h;
    }
}
