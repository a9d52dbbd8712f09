package dev.lb.balancer.accesslog;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Reopens the access log on {@code SIGUSR1}, nginx's convention that logrotate's {@code postrotate}
 * scripts follow. Uses {@code sun.misc.Signal} (module jdk.unsupported), as the SIGHUP reload does.
 */
public final class ReopenSignal {
    private static final System.Logger LOG = System.getLogger(ReopenSignal.class.getName());

    private ReopenSignal() {
    }

    /** @return false when SIGUSR1 cannot reach the handler (ignored by the parent, or no such signal) */
    public static boolean install(Runnable reopen) {
        Signal usr1;
        try {
            usr1 = new Signal("USR1");
        } catch (IllegalArgumentException e) {
            return false;
        }
        SignalHandler previous;
        try {
            previous = Signal.handle(usr1, signal -> {
                LOG.log(System.Logger.Level.INFO, "SIGUSR1 received: reopening the access log");
                reopen.run();
            });
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (previous == SignalHandler.SIG_IGN) {
            // As for SIGHUP: an inherited "ignored" is kept by the JVM, so the handler would never run.
            Signal.handle(usr1, SignalHandler.SIG_IGN);
            return false;
        }
        return true;
    }
}
