package dev.lb.balancer.server;

/**
 * System properties of the JDK's {@code HttpServer} that must be set before its configuration class
 * loads (it reads them once). Process-wide, so {@code Main}, the process's entry point, applies them
 * first thing, not a {@code Balancer} (of which a JVM may hold several); an operator's {@code -D} setting
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
        // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold small responses back for up to
        // 40 ms each.
        defaultProperty("sun.net.httpserver.nodelay", "true");
        // Hard caps at which the server drops a connection without an answer. ProxyHandler answers 431
        // well below them (32 KiB, 100 fields); these only bound the memory a hostile head can take.
        defaultProperty("sun.net.httpserver.maxReqHeaderSize", Integer.toString(128 * 1024));
        defaultProperty("sun.net.httpserver.maxReqHeaders", "200");
        // Idle keep-alive connections, and connections that never send a byte, are closed after this
        // many seconds. (maxReqTime is left unset: it also covers the request body and would cut long
        // uploads; RequestHeadTimeout bounds the head alone.)
        defaultProperty("sun.net.httpserver.idleInterval", "30");
        robahoDefaults();
        virtualThreadPollers();
        // Jetty's jar on the class path registers its provider as a service; the config chooses instead.
        HttpServers.preferJdkProvider();
    }

    /**
     * robaho's server ({@code "server": "robaho"}) reads its own properties, once, when its config class
     * loads; setting them loads none of its classes (they need Java 21).
     */
    private static void robahoDefaults() {
        // As for the JDK server: small answers are not held back by Nagle's algorithm.
        defaultProperty("robaho.net.httpserver.nodelay", "true");
        // Connections idle between requests are closed after this many seconds, as on the JDK server.
        // (RequestHeadTimeout's per-request clock closes a connection whose next head does not arrive
        // within requestHeadMs first; this is the server's own limit behind it.)
        defaultProperty("robaho.net.httpserver.idleInterval", "30");
        // Plain-text HTTP/2 with prior knowledge would bypass the proxy's HTTP/1.1 validation; off, as
        // robaho's default is, and stated here so an upgrade of the library cannot turn it on.
        defaultProperty("robaho.net.httpserver.http2OverNonSSL", "false");
    }

    /**
     * The JDK's I/O pollers, which wake a virtual thread whose socket became readable, run on platform
     * threads ({@code jdk.pollerMode=1}, Java 21's arrangement) rather than as virtual threads among the
     * request threads (the default on Linux since Java 22). As virtual threads, a poller that has found
     * ready sockets waits for a core behind the very requests it is about to wake, which lengthens the
     * tail under load: side by side in one run on two cores (nginx behind, docs/performance.md), the p99
     * at 50 connections went from 2.3x HAProxy's to 1.6x and at 200 from 1.65x to 1.3x, for 5-10% more
     * CPU per request. Read once, when the JDK's poller class loads on the first blocking socket call of
     * a virtual thread, so it is set here, before any; ignored on Java 17 and where no virtual thread
     * does I/O.
     */
    private static void virtualThreadPollers() {
        defaultProperty("jdk.pollerMode", "1");
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }
}
