package dev.lb.backendserver;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code backend-server --port N [--name NAME]}: runs one backend until SIGTERM or Ctrl-C. */
@Command(name = "backend-server", mixinStandardHelpOptions = true, versionProvider = BackendServerMain.Version.class,
        description = "A small HTTP backend for the load balancer: /health, /delay/MS, /bytes/N, /echo, /sink.")
public final class BackendServerMain implements Callable<Integer> {
    /** How long SIGTERM waits for requests in flight: as long as the balancer's default drainTimeoutMs. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /**
     * robaho's server logs INFO at each start and a WARNING for every connection closed before its first
     * request; only its errors are kept. Held: java.util.logging forgets the level of a dropped logger.
     */
    private static final java.util.logging.Logger ROBAHO_LOG = java.util.logging.Logger.getLogger("robaho.net.httpserver");

    @Option(names = {"-p", "--port"}, required = true, paramLabel = "N", description = "port to listen on (1-65535)")
    private int port;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "name in answers (default: server-PORT)")
    private String name;

    @Option(names = "--server", paramLabel = "NAME", defaultValue = "auto",
            description = "HTTP server: auto (robaho's on Java 21+, else the JDK's), jdk or robaho (default: ${DEFAULT-VALUE})")
    private String serverName;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE})")
    private String host;

    public static void main(String[] args) {
        ROBAHO_LOG.setLevel(java.util.logging.Level.SEVERE);
        System.exit(new CommandLine(new BackendServerMain()).execute(args));
    }

    @Override
    public Integer call() {
        if (port < 1 || port > 65_535) {
            System.err.println("backend-server: --port " + port + " is out of range; use 1 to 65535");
            return 2;
        }
        BackendServer server;
        try {
            server = BackendServer.start(host, port, name, ServerChoice.parse(serverName));
        } catch (IllegalArgumentException e) {
            System.err.println("backend-server: " + e.getMessage());
            return 2;
        } catch (BindException e) {
            System.err.println("backend-server: cannot listen on " + host + ":" + port
                    + ": port already in use (stop the other process or pick another --port)");
            return 1;
        } catch (IOException e) {
            System.err.println("backend-server: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return 1;
        }
        System.out.println("backend-server " + server.name() + " listening on " + host + ":" + server.port()
                + " (" + server.serverKind().name().toLowerCase(java.util.Locale.ROOT) + " server)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("backend-server " + server.name() + " stopping: refusing new connections, finishing "
                    + server.inFlight() + " request(s) in flight (up to " + SHUTDOWN_GRACE.toSeconds() + " s)");
            System.out.flush();
            server.stop(SHUTDOWN_GRACE);
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = BackendServerMain.class.getPackage().getImplementationVersion();
            return new String[]{"backend-server " + (version == null ? "dev" : version)};
        }
    }
}
