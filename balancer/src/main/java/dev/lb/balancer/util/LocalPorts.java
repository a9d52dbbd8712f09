package dev.lb.balancer.util;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;

/**
 * Whether an address can be listened on, found out with a JDK socket before (or after) a server tries.
 * Two reasons to ask first: the JDK's {@code HttpServer} keeps the descriptor of a channel whose bind
 * failed, so a failed start would leak it; and Netty's native transport reports every bind failure as
 * one exception type whose only detail is an errno in the text. The answer comes from exception types
 * and the host's interfaces, never from message text.
 */
public final class LocalPorts {
    /** What binding an address would meet. */
    public enum Verdict {
        /** Nothing known against it (the server's own bind has the last word). */
        FREE,
        /** The host names no address of this machine. */
        NO_SUCH_ADDRESS,
        /** Another socket listens on the port. */
        IN_USE
    }

    private LocalPorts() {
    }

    public static Verdict check(String host, int port) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved() || !isLocal(address.getAddress())) {
            return Verdict.NO_SUCH_ADDRESS;
        }
        if (port == 0) {
            return Verdict.FREE;
        }
        // SO_REUSEADDR as the JDK's and Netty's servers set it, so a port in TIME_WAIT is not "in use".
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
            return Verdict.FREE;
        } catch (BindException taken) {
            return Verdict.IN_USE;
        } catch (IOException other) {
            return Verdict.FREE;
        }
    }

    /** Whether {@code address} is the wildcard or belongs to one of this host's interfaces. */
    private static boolean isLocal(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
