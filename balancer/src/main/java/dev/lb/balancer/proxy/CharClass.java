package dev.lb.balancer.proxy;

/** A set of ASCII characters, tested without a regular expression. Immutable. */
final class CharClass {
    /** RFC 9110 token characters: methods and field names. */
    static final CharClass TOKEN = alphanumericAnd("!#$%&'*+.^_`|~-");
    static final CharClass DIGIT = of("0123456789");

    private final boolean[] members = new boolean[128];

    private CharClass(String chars) {
        for (int i = 0; i < chars.length(); i++) {
            members[chars.charAt(i)] = true;
        }
    }

    static CharClass of(String chars) {
        return new CharClass(chars);
    }

    /** Letters and digits, and the given characters. */
    static CharClass alphanumericAnd(String chars) {
        return new CharClass("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + chars);
    }

    boolean contains(char c) {
        return c < 128 && members[c];
    }

    /** Whether {@code s} is non-empty and made only of members. */
    boolean matchesAll(String s) {
        return !s.isEmpty() && matches(s, 0, s.length());
    }

    /** Whether every character of {@code s} from {@code start} to {@code end} (exclusive) is a member. */
    boolean matches(String s, int start, int end) {
        return span(s, start) >= end;
    }

    /** The index of the first character at or after {@code start} that is not a member, or the length. */
    int span(String s, int start) {
        int i = start;
        while (i < s.length() && contains(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
