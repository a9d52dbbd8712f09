package dev.lb.balancer;

import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.control.ReloadSignal;
import dev.lb.balancer.server.ServerTuning;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar balancer.jar [--config PATH]}: loads the config, starts the balancer and runs until
 * SIGTERM or Ctrl-C, then drains. SIGHUP reloads the config file. User errors end the process with one line on stderr and exit 1.
 */
@Command(name = "balancer", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "HTTP load balancer: proxies requests to healthy backends.")
public final class Main implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    @Option(names = {"-c", "--config"}, paramLabel = "PATH", defaultValue = "config.json",
            description = "JSON config file (default: ${DEFAULT-VALUE})")
    private Path configPath;

    public static void main(String[] args) {
        ServerTuning.apply();
        Logging.configure();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        BalancerConfig config;
        try {
            config = ConfigLoader.load(configPath);
        } catch (ConfigException e) {
            System.err.println("balancer: " + e.getMessage());
            return 1;
        }
        Balancer balancer = new Balancer(config, configPath);
        try {
            balancer.start();
        } catch (StartupException e) {
            System.err.println("balancer: " + e.getMessage());
            balancer.close();
            return 1;
        }
        ReloadSignal.install(balancer.control());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.log(System.Logger.Level.INFO, "stopping: draining requests in flight (up to {0,number,#} ms)",
                    balancer.config().drainTimeout().toMillis());
            long started = System.nanoTime();
            balancer.stop(balancer.config().drainTimeout());
            // Straight to stderr, in the log's format: java.util.logging's own shutdown hook may already
            // have closed its handlers.
            System.err.printf("%1$tF %1$tT INFO stopped after %2$d ms%n", java.time.ZonedDateTime.now(),
                    (System.nanoTime() - started) / 1_000_000);
            stopped.countDown();
            System.err.flush();
            System.out.flush();
            // A JVM ended by a signal exits with 128 + signal (143 for SIGTERM) however its hooks end;
            // a clean drain is a normal stop, so say so with 0. halt, since exit would wait for this hook.
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[]{"balancer " + (version == null ? "dev" : version)};
        }
    }
}
