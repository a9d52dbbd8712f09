package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A connection to a plain-HTTP backend for the proxy's own client: a {@link SocketChannel} in blocking
 * mode, read and written through its socket's streams with the timeouts of a
 * {@link BlockingSocketFactory.Watch}, as the factory's sockets are.
 *
 * <p>Why a channel and not a {@link java.net.Socket}: a channel can be read once without waiting
 * ({@link #quiet()}), which is how a pooled connection is checked for the backend's close before reuse.
 * A socket offers only a read with a timeout for that, and on a virtual thread every such read that
 * finds nothing is a timed park: the thread sleeps, a timer wakes it, and it then waits for a core
 * behind every runnable thread. Under load that made a "1 ms" check the longest wait of a request
 * (docs/performance.md, "The p99 tail at 200 and 1,000 connections").
 *
 * <p>One exchange at a time uses it; the watchdog only aborts it and asks whether an answer waits.
 */
final class WatchedChannel implements BlockingSocketFactory.Target {
    private final SocketChannel channel;
    private final BlockingSocketFactory.Watch watch;
    /** The socket adaptor's stream, unwatched: what {@link #answerWaiting()} asks. */
    private final InputStream rawIn;
    private final InputStream in;
    private final OutputStream out;
    /** The check's one-byte read: a byte read means the connection is unusable anyway. */
    private final ByteBuffer probe = ByteBuffer.allocate(1);

    private WatchedChannel(BlockingSocketFactory owner, SocketChannel channel) throws IOException {
        this.channel = channel;
        this.rawIn = channel.socket().getInputStream();
        OutputStream rawOut = channel.socket().getOutputStream();
        // Last: from here the watchdog knows the channel, until close() (nothing below can fail).
        this.watch = new BlockingSocketFactory.Watch(owner, this);
        this.in = watch.input(rawIn);
        this.out = watch.output(rawOut);
    }

    /**
     * A channel connected to {@code address}, the connect timed by the JDK (which leaves a channel in
     * blocking mode after a timed connect, unlike a socket), its timeouts kept by {@code owner}'s watchdog.
     */
    static WatchedChannel connect(BlockingSocketFactory owner, InetSocketAddress address, int connectTimeoutMs)
            throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(address, Math.max(0, connectTimeoutMs));
            return new WatchedChannel(owner, channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    InputStream input() {
        return in;
    }

    OutputStream output() {
        return out;
    }

    /** The read (and write) timeout of the calls that follow; a reload may have changed it. */
    void readTimeout(int timeoutMs) throws SocketException {
        if (timeoutMs != watch.readTimeoutMs()) {
            watch.readTimeout(timeoutMs);
        }
    }

    /**
     * Whether the backend has left this idle connection alone: one read that does not wait finds
     * nothing. The end of the stream (the backend closed it), a byte nobody asked for (it would be taken
     * for the next answer) or an error each make it unusable. A few microseconds, one system call on a
     * virtual thread (where the channel is non-blocking underneath anyway), three on a platform thread.
     */
    boolean quiet() {
        try {
            channel.configureBlocking(false);
            try {
                probe.clear();
                return channel.read(probe) == 0;
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    boolean isClosed() {
        return !channel.isOpen();
    }

    /** Ends the connection; a call blocked on it, on another thread, fails. */
    void close() {
        watch.closed();
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is all that is wanted
        }
    }

    /** Whether a blocked call's deadline is armed now. */
    boolean armed() {
        return watch.armed();
    }

    @Override
    public void abort() {
        close();
    }

    /** The adaptor's {@code available()} takes only the channel's state lock, never the read lock. */
    @Override
    public boolean answerWaiting() {
        try {
            return rawIn.available() > 0;
        } catch (IOException closedOrReset) {
            return false;
        }
    }

    @Override
    public void jdkReadTimeout(int timeoutMs) throws SocketException {
        channel.socket().setSoTimeout(timeoutMs);
    }
}
