package dev.lb.balancer;

import dev.lb.balancer.accesslog.ReopenSignal;
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

/**
 * {@code java -jar balancer.jar [--config PATH]}: loads the config, starts the balancer and runs until
 * SIGTERM or Ctrl-C, then drains. SIGHUP reloads the config file; SIGUSR1 reopens the access log. User errors end the process with one line on stderr and exit 1.
 * A signal the process inherited as ignored (SIGHUP under {@code nohup}, SIGINT for a script's background
 * job) cannot be handled; that is said in one line at start, with the way that still works.
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
        DrainOnShutdown shutdown = new DrainOnShutdown(balancer).register();
        try {
            balancer.start();
        } catch (StartupException e) {
            shutdown.startEnded(false);
            System.err.println("balancer: " + e.getMessage());
            balancer.close();
            return 1;
        } catch (RuntimeException | Error e) {
            shutdown.startEnded(false);
            throw e;
        }
        shutdown.startEnded(true);
        if (!ReloadSignal.install(balancer.control())) {
            LOG.log(System.Logger.Level.WARNING, "SIGHUP reload is unavailable in this process (SIGHUP is"
                    + " ignored, as under nohup): reload the config with `lbctl reload`");
        }
        if (config.accessLog().enabled() && !config.accessLog().toStdout() && !ReopenSignal.install(balancer::reopenLogs)) {
            LOG.log(System.Logger.Level.WARNING, "SIGUSR1 cannot reopen the access log in this process (SIGUSR1 is"
                    + " ignored): after rotating it, run `lbctl reload`");
        }
        IgnoredSignals.ofThisProcess().ifPresent(Main::warnAboutIgnoredStopSignals);
        try {
            shutdown.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Says how to stop a process that cannot be stopped the usual way. */
    private static void warnAboutIgnoredStopSignals(IgnoredSignals ignored) {
        boolean noInt = ignored.ignores(IgnoredSignals.SIGINT);
        boolean noTerm = ignored.ignores(IgnoredSignals.SIGTERM);
        if (noInt && noTerm) {
            LOG.log(System.Logger.Level.WARNING, "SIGINT and SIGTERM are ignored in this process: it cannot be"
                    + " stopped with a drain; only SIGKILL stops it");
        } else if (noInt) {
            LOG.log(System.Logger.Level.WARNING, "SIGINT is ignored in this process (a script's background"
                    + " job?): Ctrl-C does not stop it; stop it with SIGTERM (kill PID)");
        } else if (noTerm) {
            LOG.log(System.Logger.Level.WARNING, "SIGTERM is ignored in this process: kill PID does not stop"
                    + " it; stop it with SIGINT (kill -INT PID)");
        }
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
