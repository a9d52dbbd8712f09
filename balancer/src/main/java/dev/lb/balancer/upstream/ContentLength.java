package dev.lb.balancer.upstream;

/** The one Content-Length rule, for requests and answers alike: 1 to 18 plain digits. */
public final class ContentLength {
    private ContentLength() {
    }

    /** Whether the value, trimmed, is 1 to 18 plain digits, so "+5" or "5, 5" cannot slip through. */
    public static boolean isValid(String value) {
        String digits = value.trim();
        if (digits.isEmpty() || digits.length() > 18) {
            return false;
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * The one Content-Length that every field of a message gives, or null when there is none. Several
     * fields that differ leave the message without a trustworthy end (RFC 9112 section 6.3): a {@link
     * NumberFormatException}, as for an invalid value. Reading only the last, as OkHttp's {@code
     * header(name)} does, would end the body where the sender did not.
     */
    public static String single(java.util.List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        String first = values.get(0).trim();
        for (String value : values) {
            if (!value.trim().equals(first)) {
                throw new NumberFormatException("differing Content-Length values " + values);
            }
        }
        return first;
    }

    /** The value as a number; {@link NumberFormatException} unless it {@linkplain #isValid is valid}. */
    public static long parse(String value) {
        if (!isValid(value)) {
            throw new NumberFormatException("invalid Content-Length " + value);
        }
        return Long.parseLong(value.trim());
    }
}
