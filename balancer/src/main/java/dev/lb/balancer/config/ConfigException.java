package dev.lb.balancer.config;

/**
 * A configuration problem the user can fix. The message is one line that names the problem and, where
 * it is not obvious, the fix; it is printed as is, without a stack trace.
 */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(oneLine(message));
    }

    public ConfigException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /**
     * The message with its control characters escaped: messages quote the offending value, and a value
     * from the file may hold a line break ({@code "url": "http://h\n:1"}), which would split the one line
     * an operator or a script reads.
     */
    private static String oneLine(String message) {
        if (message == null || message.chars().noneMatch(c -> c < 0x20 || c == 0x7f)) {
            return message;
        }
        StringBuilder escaped = new StringBuilder(message.length() + 8);
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        escaped.append(String.format("\\u%04x", (int) c));
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
