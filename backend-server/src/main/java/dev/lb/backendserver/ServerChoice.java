package dev.lb.backendserver;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Which implementation of the {@code com.sun.net.httpserver} API serves ({@code --server}), as the
 * balancer's {@code "server"} setting: the JDK's own, or robaho's (io.github.robaho:httpserver, Java 21+,
 * a virtual thread per connection and a dispatcher that only accepts, so a burst of 1,000 new connections
 * is not queued behind one thread). {@link #AUTO} is robaho's on Java 21 and newer.
 */
public enum ServerChoice {
    AUTO, JDK, ROBAHO;

    static final int ROBAHO_MIN_JAVA = 21;
    private static final String ROBAHO_PROVIDER = "robaho.net.httpserver.DefaultHttpServerProvider";

    /** The choice that serves on Java {@code javaFeature}; a one-line message naming the fix when none can. */
    public ServerChoice resolve(int javaFeature) {
        return switch (this) {
            case AUTO -> javaFeature >= ROBAHO_MIN_JAVA ? ROBAHO : JDK;
            case ROBAHO -> {
                if (javaFeature < ROBAHO_MIN_JAVA) {
                    throw new IllegalArgumentException("--server robaho needs Java " + ROBAHO_MIN_JAVA
                            + " or newer; this is Java " + javaFeature + " (use --server jdk or auto, or run a newer JDK)");
                }
                yield ROBAHO;
            }
            case JDK -> JDK;
        };
    }

    /** {@code auto}, {@code jdk} or {@code robaho}, as typed. */
    public static ServerChoice parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--server " + name + " is not a server; use auto, jdk or robaho");
        }
    }

    /** A bound server of this (resolved) kind; the JDK's through the provider the JVM chose, as before. */
    HttpServer create(InetSocketAddress address, int backlog) throws IOException {
        if (this != ROBAHO) {
            return HttpServer.create(address, backlog);
        }
        // Reached by name: its classes need Java 21, and this module is compiled for 17.
        try {
            HttpServerProvider provider = (HttpServerProvider) Class.forName(ROBAHO_PROVIDER)
                    .getDeclaredConstructor().newInstance();
            return provider.createHttpServer(address, backlog);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IOException("robaho's HTTP server is not usable here (" + e + "); use --server jdk", e);
        }
    }

    /**
     * The executor for a server of this kind. robaho's runs each connection, all its requests, as one
     * task: one virtual thread each. The JDK's runs each request as a task: a cached pool, as before.
     */
    ExecutorService executor(String name) {
        if (this == ROBAHO) {
            try {
                Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
                Class<?> builderType = Class.forName("java.lang.Thread$Builder");
                builder = builderType.getMethod("name", String.class, long.class).invoke(builder, "backend-" + name + "-", 1L);
                ThreadFactory factory = (ThreadFactory) builderType.getMethod("factory").invoke(builder);
                return (ExecutorService) Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class)
                        .invoke(null, factory);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("virtual threads are not available on this JVM", e);
            }
        }
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "backend-" + name);
            t.setDaemon(true);
            return t;
        });
    }
}
