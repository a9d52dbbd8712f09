package dev.lb.balancer.control;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Reloads the config on {@code SIGHUP}, the Unix convention for daemons. Uses {@code sun.misc.Signal}
 * (module jdk.unsupported), which every JDK from 8 to 25 still provides.
 */
public final class ReloadSignal {
    private static final System.Logger LOG = System.getLogger(ReloadSignal.class.getName());

    private ReloadSignal() {
    }

    /**
     * Installs the handler for the whole process and records the result in {@code control}.
     *
     * @return false when SIGHUP cannot reach the handler: the process was started with SIGHUP ignored
     *         (as {@code nohup} does), or the platform has no SIGHUP (Windows)
     */
    public static boolean install(RuntimeControl control) {
        Signal hup;
        try {
            hup = new Signal("HUP");
        } catch (IllegalArgumentException e) {
            return false; // no such signal on this platform
        }
        SignalHandler previous;
        try {
            previous = Signal.handle(hup, signal -> {
                LOG.log(System.Logger.Level.INFO, "SIGHUP received: reloading the config");
                control.reload("SIGHUP");
            });
        } catch (IllegalArgumentException e) {
            return false; // the JVM keeps SIGHUP for itself (-Xrs and the like)
        }
        if (previous == SignalHandler.SIG_IGN) {
            // The JVM leaves a signal that the process inherited as ignored alone: it registers the Java
            // handler without touching the OS disposition and reports the old one as SIG_IGN, so the
            // handler would never run. Put the registration back as it really is.
            Signal.handle(hup, SignalHandler.SIG_IGN);
            return false;
        }
        control.reloadsOnSighup(true);
        return true;
    }
}
