package dev.lb.balancer;

import java.util.logging.Level;
import java.util.logging.Logger;

/** One line per log record on stderr, and quiet third-party libraries, through java.util.logging. */
final class Logging {
    /** Held so the levels set here are not lost when java.util.logging drops unreferenced loggers. */
    private static final Logger[] QUIETED = {
            Logger.getLogger("okhttp3"), Logger.getLogger("io.grpc"), Logger.getLogger("io.netty"),
            Logger.getLogger("org.eclipse.jetty"),
    };
    /**
     * robaho's server logs a WARNING for every connection closed before its first request (port probes,
     * clients timed out by the balancer) and INFO at each start: only its errors are kept.
     */
    private static final Logger ROBAHO = Logger.getLogger("robaho.net.httpserver");

    private Logging() {
    }

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return; // the operator brought their own logging config
        }
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tF %1$tT %4$s %5$s%6$s%n");
        for (Logger logger : QUIETED) {
            logger.setLevel(Level.WARNING);
        }
        ROBAHO.setLevel(Level.SEVERE);
    }
}
