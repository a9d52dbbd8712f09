package dev.lb.balancer.admin;

import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.AdminTlsConfig;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Mutual TLS credentials for the admin port, from PEM files read by grpc-util's key and trust managers.
 * A rotated certificate, key or client CA is served from the next handshake on, without a restart:
 * the files are checked every {@code reloadIntervalSeconds} and re-read when one changed. (grpc-util's
 * own file watch polls no more often than once a minute, too slow to test and to confirm a rotation,
 * so the watch is here and grpc-util does the reading.) A change that cannot be read keeps the
 * credentials in use and says so in one warning line.
 *
 * <p>Threads: the given {@link Scheduler} (the balancer's {@code timers-1}) decides when the files are
 * checked; the check and the reading, which touch the disk, run on the executor the owner passes
 * ({@link AdminServer}'s {@code admin-tls-reload-N}).
 */
final class AdminTls implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AdminTls.class.getName());

    private final AdminTlsConfig config;
    private final AdvancedTlsX509KeyManager keys;
    private final AdvancedTlsX509TrustManager trust;
    private final ServerCredentials credentials;
    private final Repeating watch;
    /** Modification times of certificate, key and CA as last read; guarded by {@code this}. */
    private List<FileTime> lastRead;

    private AdminTls(AdminTlsConfig config, AdvancedTlsX509KeyManager keys, AdvancedTlsX509TrustManager trust,
                     List<FileTime> lastRead, Scheduler timers, Executor reads) {
        this.config = config;
        this.keys = keys;
        this.trust = trust;
        this.lastRead = lastRead;
        this.credentials = TlsServerCredentials.newBuilder()
                .keyManager(keys)
                .trustManager(trust)
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build();
        this.watch = Repeating.withFixedDelay(timers, reads, "checking the admin TLS files for changes",
                config.reloadInterval(), config.reloadInterval(), this::reloadIfChanged);
    }

    /**
     * Reads the three files once, so that a missing or broken one stops the start, then checks them
     * for changes when {@code timers} says, reading them on {@code reads}.
     *
     * @throws StartupException naming the setting and file that cannot be used
     */
    static AdminTls load(AdminTlsConfig config, Scheduler timers, Executor reads) throws StartupException {
        readable("adminTls.certificateFile", config.certificateFile());
        readable("adminTls.privateKeyFile", config.privateKeyFile());
        readable("adminTls.clientCaFile", config.clientCaFile());
        List<FileTime> times = modified(config);
        AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
        try {
            readIdentity(keys, config);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new StartupException("cannot use adminTls.certificateFile " + config.certificateFile()
                    + " with adminTls.privateKeyFile " + config.privateKeyFile() + ": " + reason(e)
                    + " (give a PEM certificate chain and its PEM private key, PKCS#8 or RSA)");
        }
        AdvancedTlsX509TrustManager trust;
        try {
            // A client's chain is checked against the CA; a client has no host name to match.
            trust = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                    .build();
            trust.updateTrustCredentials(config.clientCaFile().toFile());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new StartupException("cannot use adminTls.clientCaFile " + config.clientCaFile() + ": " + reason(e)
                    + " (give the PEM certificate of the CA that signs client certificates)");
        }
        return new AdminTls(config, keys, trust, times, timers, reads);
    }

    /** Re-reads the files when any of them changed since the last read; called by the watch. */
    synchronized void reloadIfChanged() {
        List<FileTime> now;
        try {
            now = modified(config);
        } catch (StartupException e) {
            LOG.log(System.Logger.Level.WARNING, "admin TLS certificates not reloaded, keeping those in use: {0}", e.getMessage());
            return;
        }
        if (now.equals(lastRead)) {
            return;
        }
        try {
            // Identity first: a key and certificate are replaced together or not at all.
            readIdentity(keys, config);
            trust.updateTrustCredentials(config.clientCaFile().toFile());
            lastRead = now;
            LOG.log(System.Logger.Level.INFO, "admin TLS certificates reloaded from {0}, {1} and {2}",
                    config.certificateFile(), config.privateKeyFile(), config.clientCaFile());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // Not marked as read: a rotation caught half-written is tried again at the next check.
            LOG.log(System.Logger.Level.WARNING, "admin TLS certificates not reloaded, keeping those in use: {0}", reason(e));
        }
    }

    private static void readIdentity(AdvancedTlsX509KeyManager keys, AdminTlsConfig config)
            throws IOException, GeneralSecurityException {
        keys.updateIdentityCredentials(config.certificateFile().toFile(), config.privateKeyFile().toFile());
    }

    private static List<FileTime> modified(AdminTlsConfig config) throws StartupException {
        return List.of(modified("adminTls.certificateFile", config.certificateFile()),
                modified("adminTls.privateKeyFile", config.privateKeyFile()),
                modified("adminTls.clientCaFile", config.clientCaFile()));
    }

    private static FileTime modified(String setting, Path file) throws StartupException {
        try {
            return Objects.requireNonNull(Files.getLastModifiedTime(file));
        } catch (IOException e) {
            throw new StartupException(setting + " " + file + ": cannot read: " + reason(e));
        }
    }

    private static void readable(String setting, Path file) throws StartupException {
        if (!Files.isRegularFile(file)) {
            throw new StartupException(setting + " " + file + ": no such file (check the path in the config)");
        }
        if (!Files.isReadable(file)) {
            throw new StartupException(setting + " " + file + ": not readable by this user (check its permissions)");
        }
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }

    ServerCredentials credentials() {
        return credentials;
    }

    /** Stops watching the files; the credentials keep what they last read. */
    @Override
    public void close() {
        watch.cancel();
    }
}
