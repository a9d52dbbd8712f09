package dev.lb.balancer.fleet;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** How a balancer is named in its fleet: {@code host:adminPort}, unique per machine and readable in a log. */
public final class FleetInstance {
    private FleetInstance() {
    }

    public static String id(int adminPort) {
        return host() + ":" + adminPort;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // A machine whose own name does not resolve: the port still tells its balancers apart.
            return "localhost";
        }
    }
}
