package dev.lb.balancer.config;

/**
 * A configuration problem the user can fix. The message is one line that names the problem and, where
 * it is not obvious, the fix; it is printed as is, without a stack trace.
 */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
