package dev.lb.balancer.util;

import java.io.EOFException;
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

    /**
     * A few words for {@code failure}, chosen by its type and its causes' types, never by its text
     * (which differs between the JDK, OkHttp and releases). A failure of no known kind is described
     * by its own message.
     */
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
        if (closedByPeer(failure)) {
            // The direct client throws EOFException; OkHttp wraps one in its "unexpected end of stream".
            return "connection closed by backend";
        }
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            return failure.getClass().getSimpleName();
        }
        return message;
    }

    /** Whether the stream ended early: an {@link EOFException} is the failure or one of its causes. */
    private static boolean closedByPeer(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }
}
