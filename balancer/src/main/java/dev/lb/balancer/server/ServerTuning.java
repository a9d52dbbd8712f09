package dev.lb.balancer.server;

/**
 * System properties of the JDK's {@code HttpServer} that must be set before its configuration class
 * loads (it reads them once). {@code Main} applies them first thing; an operator's {@code -D} setting
 * wins.
 */
public final class ServerTuning {
    /**
     * How many idle keep-alive client connections the server keeps. The JDK's default, 200, is not an
     * idle limit in any useful sense: the server counts a connection as idle from the moment its
     * answer is written until the client's next request is picked up by its single dispatcher thread.
     * With more than 200 busy clients, connections over the cap are closed right after their answer,
     * under clients that are about to send the next request on them (wrk: about 1,000 read errors in
     * 8 s at 1,000 connections, and a p99 of 0.8 s at 200 from the reconnects). Idle connections hold
     * no thread, and the idle timeout ({@code sun.net.httpserver.idleInterval}) still closes truly
     * idle ones; the open-files limit is the real cap.
     */
    static final String MAX_IDLE_CONNECTIONS = "1000000";

    private ServerTuning() {
    }

    public static void apply() {
        defaultProperty("sun.net.httpserver.maxIdleConnections", MAX_IDLE_CONNECTIONS);
        HttpServers.preferJdkProvider();
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }
}
