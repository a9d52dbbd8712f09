package dev.lb.balancer.control;

import sun.misc.Signal;

/**
 * Reloads the config on {@code SIGHUP}, the Unix convention for daemons. Uses {@code sun.misc.Signal}
 * (module jdk.unsupported), which every JDK from 8 to 25 still provides.
 */
public final class ReloadSignal {
    private static final System.Logger LOG = System.getLogger(ReloadSignal.class.getName());

    private ReloadSignal() {
    }

    /**
     * Installs the handler for the whole process.
     *
     * @return false when this platform has no SIGHUP (Windows)
     */
    public static boolean install(RuntimeControl control) {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                LOG.log(System.Logger.Level.INFO, "SIGHUP received: reloading the config");
                control.reload("SIGHUP");
            });
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
