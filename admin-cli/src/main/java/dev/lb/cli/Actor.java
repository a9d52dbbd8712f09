package dev.lb.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Who runs lbctl, "user@host", sent with every change so the balancer's events say who made it. */
final class Actor {
    private Actor() {
    }

    static String current() {
        return System.getProperty("user.name", "unknown") + "@" + host();
    }

    private static String host() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
