package dev.lb.balancer.upstream;

import dev.lb.balancer.util.Ticker;
import dev.lb.balancer.util.Timers;
import dev.lb.balancer.util.VirtualThreads;

import javax.net.SocketFactory;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sockets to backends whose connect and read timeouts are enforced by a watchdog instead of by the JDK:
 * {@link WatchedSocket}s for OkHttp, and {@link WatchedChannel}s for the proxy's own client, both timed
 * by a {@link Watch}.
 *
 * <p>Why: a JDK socket with a read timeout (or one connected with a timeout) switches to non-blocking
 * mode for good, and from then on every read is a read that finds nothing, a {@code poll}, and a second
 * read. On the proxy's hot path that was about a tenth of all CPU. These sockets stay in blocking mode:
 * a read is one system call. Each timed connect or read arms a deadline; one watchdog thread, shared by
 * all sockets of the factory, closes a socket whose deadline has passed, which ends the blocked call,
 * and the call then fails with the {@link SocketTimeoutException} the JDK would have thrown. Deadlines
 * are checked every {@value #SWEEP_MS} ms, so a timeout fires up to that much late; timeouts shorter
 * than {@value #JDK_ENFORCED_BELOW_MS} ms (OkHttp's 1 ms probe of a long-idle connection) are left to
 * the JDK, which is exact.
 *
 * <p>A thread can be late to its own answer: a virtual thread waiting for a core on a saturated
 * machine (1,000 busy connections on two cores: waits of seconds) is still parked when its deadline
 * passes, although the backend answered long before. Closing such a socket made healthy local
 * backends "time out after 2000 ms" and leave rotation. So the watchdog spares a read whose bytes are
 * waiting ({@link WatchedSocket#answerWaiting}) and looks again at the next sweep; only a backend that
 * really was silent times out. A connect on a virtual thread is timed by the JDK instead (the watchdog
 * cannot see a connect that completed but whose thread has not run; connects are rare, pooled
 * connections are reused). Keeping reads on the watchdog there too is worth its CPU: handing them to
 * the JDK, which arms a timer at each read that waits, cost 15-25% more CPU per request at 50 and 200
 * connections (docs/performance.md).
 *
 * <p>The watchdog is a periodic sweep on the shared {@link Timers}; {@link #closeExpired(long)} does its
 * work for a given instant of the timers' {@link Ticker}, so tests drive it with their own time. The
 * system property {@code lb.backendSocketTimeouts=jdk} hands every timeout to the JDK instead, for
 * measuring what the watchdog buys (docs/performance.md).
 */
final class BlockingSocketFactory extends SocketFactory implements AutoCloseable {
    static final int SWEEP_MS = 25;
    static final int JDK_ENFORCED_BELOW_MS = 250;

    /** Connections between creation and close; only the watchdog iterates it. */
    private final Set<Watch> open = ConcurrentHashMap.newKeySet();
    private final Ticker ticker;
    private final Timers.Cancellable watchdog;
    /** The timer service made for this factory alone; null when it runs on a shared one. */
    private final Timers own;
    private final AtomicLong sweeps = new AtomicLong();
    /** Timeouts below this go to the JDK; every one does under {@code lb.backendSocketTimeouts=jdk}. */
    private final int jdkEnforcedBelowMs;

    /** A factory with a timer service of its own, closed with it. */
    BlockingSocketFactory() {
        this(new Timers(), true);
    }

    /** A factory whose watchdog sweeps on {@code timers}, which stay the caller's. */
    BlockingSocketFactory(Timers timers) {
        this(timers, false);
    }

    private BlockingSocketFactory(Timers timers, boolean owned) {
        this.ticker = timers.ticker();
        this.own = owned ? timers : null;
        this.jdkEnforcedBelowMs = "jdk".equals(System.getProperty("lb.backendSocketTimeouts"))
                ? Integer.MAX_VALUE : JDK_ENFORCED_BELOW_MS;
        this.watchdog = timers.every(Duration.ofMillis(SWEEP_MS), this::closeExpired);
    }

    @Override
    public Socket createSocket() {
        return new WatchedSocket(this);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(SocketAddress remote, SocketAddress... local) throws IOException {
        Socket socket = createSocket();
        try {
            if (local.length > 0) {
                socket.bind(local[0]);
            }
            socket.connect(remote);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sockets and channels this factory made that are not closed yet. */
    int openSockets() {
        return open.size();
    }

    /** How many times the watchdog has looked at the open sockets. */
    long sweeps() {
        return sweeps.get();
    }

    /** Closes every socket whose deadline has passed at {@code now} (the ticker's nanos). */
    void closeExpired(long now) {
        for (Watch watch : open) {
            watch.closeIfExpired(now);
        }
        sweeps.incrementAndGet();
    }

    @Override
    public void close() {
        watchdog.cancel();
        if (own != null) {
            own.close();
        }
    }

    /** The blocking calls a timeout bounds. */
    enum Call { CONNECT, READ }

    /** Whether the JDK keeps a {@code call}'s timeout rather than the watchdog (see the class comment). */
    boolean jdkTimes(Call call, int timeoutMs) {
        if (timeoutMs <= 0) {
            return false; // no timeout: nothing to keep
        }
        if (timeoutMs < jdkEnforcedBelowMs) {
            return true; // short (OkHttp's 1 ms probe): the sweep would be too coarse; or every one, by property
        }
        // A connect on a virtual thread: the watchdog cannot see one that completed while its thread
        // waits for a core. Reads stay on the watchdog there too: it spares an answer already waiting,
        // and the JDK's timer at every read costs CPU.
        return call == Call.CONNECT && VirtualThreads.current();
    }

    /**
     * A backend channel connected to {@code address}, whose reads and writes this factory's watchdog
     * times (see {@link WatchedChannel}).
     */
    WatchedChannel connectChannel(InetSocketAddress address, int connectTimeoutMs) throws IOException {
        return WatchedChannel.connect(this, address, connectTimeoutMs);
    }

    /** What the watchdog needs of a connection: to end its blocked call, and to see an answer waiting. */
    interface Target {
        /** Ends the connection, and with it the blocked call. */
        void abort() throws IOException;

        /** Whether bytes wait to be read; false when closed. Must not take the lock a blocked read holds. */
        boolean answerWaiting();

        /** Hands a read timeout to the JDK (0: none). */
        void jdkReadTimeout(int timeoutMs) throws SocketException;
    }

    /**
     * The deadline of one connection's blocked call, armed around each timed connect, read and write, and
     * enforced by the factory's watchdog, which {@link Target#abort() aborts} the connection when it
     * passes. Connect, reads and writes run on one thread at a time (an HTTP/1.1 exchange's use); the
     * watchdog only reads the deadline and aborts.
     */
    static final class Watch {
        private static final long UNARMED = 0;

        private final BlockingSocketFactory owner;
        private final Target target;
        /** The owner's ticker time by which the blocked call must end; {@link #UNARMED} when none is. */
        private volatile long deadline = UNARMED;
        private volatile boolean timedOut;
        /** Whether the armed deadline is a read's: the watchdog then spares a connection with bytes waiting. */
        private volatile boolean readArmed;
        private volatile int readTimeoutMs;
        /** The read timeout the JDK enforces itself: all of {@link #readTimeoutMs}, or 0 (the watchdog does). */
        private volatile int jdkTimeoutMs;

        Watch(BlockingSocketFactory owner, Target target) {
            this.owner = owner;
            this.target = target;
            owner.open.add(this);
        }

        /** Sets the read (and write) timeout; only one the JDK should keep reaches the target. */
        void readTimeout(int timeoutMs) throws SocketException {
            int jdk = owner.jdkTimes(Call.READ, timeoutMs) ? timeoutMs : 0;
            target.jdkReadTimeout(jdk);
            jdkTimeoutMs = jdk;
            readTimeoutMs = timeoutMs;
        }

        int readTimeoutMs() {
            return readTimeoutMs;
        }

        /** The connection is closed: the watchdog forgets it. */
        void closed() {
            owner.open.remove(this);
        }

        /** Whether a blocked call's deadline is armed now. */
        boolean armed() {
            return deadline != UNARMED;
        }

        boolean timedOut() {
            return timedOut;
        }

        void arm(int timeoutMs) {
            if (timeoutMs > 0) {
                deadline = owner.ticker.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            }
        }

        void disarm() {
            deadline = UNARMED;
        }

        private void closeIfExpired(long now) {
            long due = deadline;
            // A read whose bytes are waiting: the backend did answer in time, and the reading thread has
            // only not run since (a virtual thread waiting for a core on a saturated machine). The read
            // is left to take them; the next sweep looks again.
            if (due == UNARMED || now - due < 0 || readArmed && target.answerWaiting()) {
                return;
            }
            timedOut = true;
            try {
                target.abort();
            } catch (IOException ignored) {
                // closing is all that is wanted; the blocked call reports the timeout
            }
        }

        /** {@code in} with the read timeout armed around each read the JDK does not time itself. */
        InputStream input(InputStream in) {
            return new WatchedInput(in);
        }

        /**
         * {@code out} with the read timeout armed around each write too: a backend that stops reading a
         * request body would otherwise block the writing thread forever (OkHttp bounds writes with its
         * own write timeout).
         */
        OutputStream output(OutputStream out) {
            return new WatchedOutput(out);
        }

        static SocketTimeoutException timeout(String message, IOException cause) {
            SocketTimeoutException timeout = new SocketTimeoutException(message);
            if (cause != null) {
                timeout.initCause(cause);
            }
            return timeout;
        }

        private final class WatchedInput extends FilterInputStream {
            WatchedInput(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int timeoutMs = readTimeoutMs;
                if (timeoutMs <= 0 || jdkTimeoutMs == timeoutMs) {
                    return in.read(buffer, offset, length);
                }
                readArmed = true;
                arm(timeoutMs);
                int n;
                try {
                    n = in.read(buffer, offset, length);
                } catch (IOException e) {
                    throw timedOut ? timeout("Read timed out", e) : e;
                } finally {
                    deadline = UNARMED;
                    readArmed = false;
                }
                if (n < 0 && timedOut) {
                    throw timeout("Read timed out", null);
                }
                return n;
            }
        }

        private final class WatchedOutput extends FilterOutputStream {
            WatchedOutput(OutputStream out) {
                super(out);
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                int timeoutMs = readTimeoutMs;
                if (timeoutMs <= 0 || timeoutMs < owner.jdkEnforcedBelowMs) {
                    out.write(buffer, offset, length);
                    return;
                }
                arm(timeoutMs);
                try {
                    out.write(buffer, offset, length);
                } catch (IOException e) {
                    throw timedOut ? timeout("Write timed out", e) : e;
                } finally {
                    deadline = UNARMED;
                }
            }
        }
    }

    /** A socket for OkHttp, whose blocking calls carry a deadline the factory's watchdog enforces. */
    static final class WatchedSocket extends Socket implements Target {
        private final Watch watch;

        private WatchedSocket(BlockingSocketFactory owner) {
            this.watch = new Watch(owner, this);
        }

        @Override
        public void connect(SocketAddress endpoint, int timeoutMs) throws IOException {
            if (watch.owner.jdkTimes(Call.CONNECT, timeoutMs)) {
                super.connect(endpoint, timeoutMs);
                return;
            }
            watch.arm(timeoutMs);
            try {
                super.connect(endpoint, 0);
            } catch (IOException e) {
                throw watch.timedOut() ? Watch.timeout("Connect timed out", e) : e;
            } finally {
                watch.disarm();
            }
            if (watch.timedOut()) {
                throw Watch.timeout("Connect timed out", null);
            }
        }

        @Override
        public void setSoTimeout(int timeoutMs) throws SocketException {
            watch.readTimeout(timeoutMs);
        }

        @Override
        public void jdkReadTimeout(int timeoutMs) throws SocketException {
            // On a platform thread this makes the socket non-blocking from then on.
            super.setSoTimeout(timeoutMs);
        }

        @Override
        public int getSoTimeout() {
            return watch.readTimeoutMs();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return watch.input(super.getInputStream());
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return watch.output(super.getOutputStream());
        }

        @Override
        public void close() throws IOException {
            watch.closed();
            super.close();
        }

        @Override
        public void abort() throws IOException {
            close();
        }

        /** Only the state lock is taken, never the read lock the blocked read holds. */
        @Override
        public boolean answerWaiting() {
            try {
                return super.getInputStream().available() > 0;
            } catch (IOException closedOrReset) {
                return false;
            }
        }

        /** Whether a blocked call's deadline is armed now. */
        boolean armed() {
            return watch.armed();
        }
    }
}
