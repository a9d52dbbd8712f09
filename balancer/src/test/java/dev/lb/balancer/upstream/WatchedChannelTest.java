package dev.lb.balancer.upstream;

import dev.lb.balancer.testing.ManualTicker;
import dev.lb.balancer.util.Timers;
import dev.lb.balancer.util.VirtualThreads;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatchedChannelTest {
    private static final int TIMEOUT_MS = 400;

    /** Deadlines read this ticker, and the tests run the watchdog's sweep themselves. */
    private final ManualTicker ticker = new ManualTicker();
    private final Timers timers = new Timers(ticker);
    private final BlockingSocketFactory factory = new BlockingSocketFactory(timers);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        factory.close();
        timers.close();
    }

    @Test
    void theCheckOfAQuietConnectionReturnsAtOnceAndTakesNothing() throws Exception {
        Connected connected = connect();
        WatchedChannel channel = connected.channel();
        channel.readTimeout(0); // no timeout: a check that waited would wait for ever

        assertTrue(assertTimeoutPreemptively(Duration.ofSeconds(20), channel::quiet));

        connected.peer().getOutputStream().write('x');
        assertEquals('x', channel.input().read(), "the check took nothing, and the channel blocks again");
    }

    @Test
    void aConnectionTheBackendClosedFailsTheCheck() throws Exception {
        Connected connected = connect();
        WatchedChannel channel = connected.channel();
        channel.readTimeout(30_000);
        connected.peer().close();
        assertEquals(-1, channel.input().read(), "the close has arrived");

        assertFalse(channel.quiet());
    }

    @Test
    void aConnectionWithBytesNobodyAskedForFailsTheCheck() throws Exception {
        Connected connected = connect();
        WatchedChannel channel = connected.channel();
        channel.readTimeout(30_000);
        OutputStream peer = connected.peer().getOutputStream();
        peer.write("ab".getBytes());
        peer.flush();
        assertEquals('a', channel.input().read(), "the bytes have arrived");

        assertFalse(channel.quiet());
    }

    @Test
    void onAVirtualThreadTheCheckReturnsAtOnceAndReadsStillBlock() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
        Connected connected = connect();
        WatchedChannel channel = connected.channel();
        channel.readTimeout(0);
        OutputStream peer = connected.peer().getOutputStream();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        CountDownLatch checked = new CountDownLatch(1);
        peer.write('a');
        ExecutorService virtual = VirtualThreads.perTaskExecutor("checker-");
        toClose.add(virtual::shutdownNow);
        virtual.execute(() -> {
            try {
                InputStream in = channel.input();
                int first = in.read(); // a blocking read on a virtual thread: non-blocking underneath from now on
                boolean quiet = channel.quiet();
                checked.countDown();
                outcome.complete((char) first + " " + quiet + " " + (char) in.read());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        assertTrue(checked.await(30, TimeUnit.SECONDS), "the virtual thread ran the check");
        peer.write('b');

        assertEquals("a true b", outcome.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aBlockedReadIsEndedByTheWatchdogAtItsDeadline() throws Exception {
        WatchedChannel channel = connect().channel(); // the peer never writes
        channel.readTimeout(TIMEOUT_MS);
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return channel.input().read();
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
        Await.until("the read to be armed", Duration.ofSeconds(20), channel::armed);

        ticker.advance(Duration.ofMillis(TIMEOUT_MS - 1));
        factory.closeExpired(ticker.nanoTime());
        assertFalse(channel.isClosed(), "1 ms before its deadline the read goes on");

        ticker.advance(Duration.ofMillis(1));
        factory.closeExpired(ticker.nanoTime());
        CompletionException e = assertThrows(CompletionException.class, read::join);
        assertInstanceOf(SocketTimeoutException.class, e.getCause());
        assertEquals("Read timed out", e.getCause().getMessage());
        assertTrue(channel.isClosed());
        assertEquals(0, factory.openSockets(), "the watchdog forgets a closed channel");
    }

    @Test
    void aConnectToAClosedPortFailsAndLeavesNothingOpen() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        server.close();

        assertThrows(IOException.class, () -> factory.connectChannel(address, 5_000));
        assertEquals(0, factory.openSockets());
    }

    private Connected connect() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        toClose.add(server);
        WatchedChannel channel = factory.connectChannel((InetSocketAddress) server.getLocalSocketAddress(), 5_000);
        toClose.add(channel::close);
        Socket peer = server.accept();
        toClose.add(peer);
        return new Connected(channel, peer);
    }

    private record Connected(WatchedChannel channel, Socket peer) {
    }
}
