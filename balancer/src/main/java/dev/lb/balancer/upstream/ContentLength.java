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

    /** The value as a number; {@link NumberFormatException} unless it {@linkplain #isValid is valid}. */
    public static long parse(String value) {
        if (!isValid(value)) {
            throw new NumberFormatException("invalid Content-Length " + value);
        }
        return Long.parseLong(value.trim());
    }
}
