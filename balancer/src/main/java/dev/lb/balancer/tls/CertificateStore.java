package dev.lb.balancer.tls;

import dev.lb.balancer.config.TlsConfig;
import dev.lb.balancer.util.BlockingWork;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;

import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.LongAdder;

/**
 * Owns the certificate and key the proxy port serves, and replaces them without a restart: on
 * {@link #reload(String)} (SIGHUP, {@code lbctl reload}) and when either file changes on disk, checked
 * every {@code tls.checkIntervalMs}. A new pair that does not parse, or whose key is not the
 * certificate's, is rejected in one log line and the old one keeps serving. Loads are serialised on
 * this object; handshakes read the current pair without a lock.
 *
 * <p>Threads: once {@link #watch watched}, the balancer's {@link Scheduler} ({@code timers-1}) decides
 * when the files are checked, and the checks and reads, which touch the disk, run on the store's own
 * {@code tls-certificate-watch-N} thread (virtual where the JVM has them), stopped by {@link #close()}.
 */
public final class CertificateStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CertificateStore.class.getName());

    private final TlsConfig config;
    private final Clock clock;
    private final SwappableKeyManager keys = new SwappableKeyManager();
    private final LongAdder applied = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    /** The file checks' schedule and the thread they read on; null until {@link #watch}. Guarded by this. */
    private Repeating watch;
    private ExecutorService reads;
    private volatile CertifiedKey current;
    /** The files as last looked at; guarded by this object. */
    private List<FileStamp> seen;

    private CertificateStore(TlsConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * Loads the pair the config names, warning in one line when the certificate is expired (a refusal
     * would take the site down for a renewal that is late; clients will refuse it anyway).
     *
     * @throws TlsException when a file is missing or bad, or the key is not the certificate's
     */
    public static CertificateStore load(TlsConfig config, Clock clock) throws TlsException {
        CertificateStore store = new CertificateStore(config, clock);
        synchronized (store) {
            store.seen = stamps(config);
            store.serve(PemFiles.load(config.certificateFile(), config.privateKeyFile(), clock.instant()));
        }
        return store;
    }

    /**
     * Starts checking the files for changes every {@code checkInterval} (from the end of one check to
     * the next), as {@code timers} decides.
     */
    public synchronized void watch(Scheduler timers) {
        if (watch != null) {
            return;
        }
        reads = BlockingWork.executor("tls-certificate-watch", 1);
        watch = Repeating.withFixedDelay(timers, reads, "checking " + config.certificateFile() + " for changes",
                config.checkInterval(), config.checkInterval(), this::checkFiles);
    }

    /** The pair new connections get. */
    public CertifiedKey current() {
        return current;
    }

    /** New pairs served since start (the first not counted). */
    public long reloadsApplied() {
        return applied.sum();
    }

    /** New pairs refused since start. */
    public long reloadsRejected() {
        return rejected.sum();
    }

    /** How long until the served certificate expires, negative once it has. */
    public Duration untilExpiry() {
        return Duration.between(clock.instant(), current.notAfter());
    }

    X509ExtendedKeyManager keyManager() {
        return keys;
    }

    public TlsConfig config() {
        return config;
    }

    /**
     * Reads both files again and serves them if they are a valid pair; otherwise keeps the current one.
     *
     * @param why what asked for it, for the log line ("SIGHUP reload", "file change")
     * @return whether the new pair is served
     */
    public synchronized boolean reload(String why) {
        seen = stamps(config);
        CertifiedKey next;
        try {
            next = PemFiles.load(config.certificateFile(), config.privateKeyFile(), clock.instant());
        } catch (TlsException e) {
            rejected.increment();
            LOG.log(System.Logger.Level.WARNING, "TLS certificate not reloaded ({0}): {1}; still serving {2}",
                    why, e.getMessage(), current.describe());
            return false;
        }
        serve(next);
        applied.increment();
        return true;
    }

    /** Reloads when either file's modification time, size or identity changed since last looked at. */
    void checkFiles() {
        boolean changed;
        synchronized (this) {
            changed = !stamps(config).equals(seen);
        }
        if (changed) {
            reload("file change");
        }
    }

    private void serve(CertifiedKey pair) {
        keys.serve(pair);
        current = pair;
        if (pair.expiredAt(clock.instant())) {
            LOG.log(System.Logger.Level.WARNING, "TLS certificate in {0} expired at {1} ({2}); serving it anyway, but"
                    + " clients will refuse it: renew it and reload", pair.certificateFile(), pair.notAfter(), pair.subject());
        } else {
            LOG.log(System.Logger.Level.INFO, "TLS certificate {0} (from {1}, {2} in chain)", pair.describe(),
                    pair.certificateFile(), pair.chain().size());
        }
    }

    private static List<FileStamp> stamps(TlsConfig config) {
        return List.of(FileStamp.of(config.certificateFile()), FileStamp.of(config.privateKeyFile()));
    }

    /**
     * What tells a file changed: its time, size and identity, following symbolic links (cert-manager's
     * secret volumes swap a link; certbot's live/ names link to new archive files). A file that cannot
     * be read has an empty stamp, so its return counts as a change.
     */
    private record FileStamp(long modifiedMillis, long size, Object identity) {
        static FileStamp of(Path path) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                return new FileStamp(attributes.lastModifiedTime().toMillis(), attributes.size(),
                        Objects.requireNonNullElse(attributes.fileKey(), ""));
            } catch (IOException e) {
                return new FileStamp(-1, -1, "");
            }
        }
    }

    /** Stops watching the files; the pair served stays. */
    @Override
    public synchronized void close() {
        if (watch != null) {
            watch.cancel();
            reads.shutdownNow();
        }
    }
}
