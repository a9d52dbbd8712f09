package dev.lb.cli;

import picocli.CommandLine;
import sun.misc.Signal;

/**
 * Ctrl-C during {@code lbctl watch} is the normal way to end it, so it stops the watch and lets the
 * command return 0 instead of the JVM's 130. Other commands keep the default behaviour.
 */
final class Interrupts {
    private Interrupts() {
    }

    static void stopWatchOnCtrlC(CommandLine root) {
        WatchCommand watch = root.getSubcommands().get("watch").getCommand();
        try {
            Signal.handle(new Signal("INT"), signal -> {
                if (watch.running()) {
                    watch.stop();
                } else {
                    System.exit(130);
                }
            });
        } catch (IllegalArgumentException e) {
            // No SIGINT on this platform (or it is reserved): Ctrl-C keeps its default effect.
        }
    }
}
