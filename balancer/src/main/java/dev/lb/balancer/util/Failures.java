package dev.lb.balancer.util;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;

/** Turns I/O exceptions into the few words an operator wants to read in an event or a log line. */
public final class Failures {
    private Failures() {
    }

    public static String describe(Throwable failure, Duration timeout) {
        if (failure instanceof ConnectException) {
            return "connection refused";
        }
        if (failure instanceof SocketTimeoutException || failure instanceof InterruptedIOException) {
            return "timed out after " + timeout.toMillis() + " ms";
        }
        if (failure instanceof UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        if (failure instanceof NoRouteToHostException) {
            return "no route to host";
        }
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            return failure.getClass().getSimpleName();
        }
        String lower = message.toLowerCase();
        if (lower.contains("connection reset")) {
            return "connection reset";
        }
        if (lower.contains("unexpected end of stream") || lower.contains("end of input")) {
            return "connection closed by backend";
        }
        return message;
    }
}
