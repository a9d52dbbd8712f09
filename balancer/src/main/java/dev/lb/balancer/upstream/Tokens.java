package dev.lb.balancer.upstream;

/** Comma-separated, case-insensitive token lists ({@code Connection}, {@code Transfer-Encoding}). */
final class Tokens {
    private Tokens() {
    }

    /** Whether the list names the token, ignoring case and surrounding whitespace. */
    static boolean contains(String list, String token) {
        int start = 0;
        int length = list.length();
        while (start <= length) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            if (list.substring(start, end).trim().equalsIgnoreCase(token)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** The last token of the list, trimmed; "" for an empty list. */
    static String last(String list) {
        return list.substring(list.lastIndexOf(',') + 1).trim();
    }
}
