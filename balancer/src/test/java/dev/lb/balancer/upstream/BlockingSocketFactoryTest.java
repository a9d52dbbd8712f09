package dev.lb.balancer.upstream;

import dev.lb.balancer.testing.ManualTicker;
import dev.lb.balancer.util.Timers;
import dev.lb.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockingSocketFactoryTest {
    private static final int TIMEOUT_MS = 400;

    private final BlockingSocketFactory factory = new BlockingSocketFactory();
    /** For tests that say what time it is: deadlines read this ticker, and the tests run the sweep. */
    private final ManualTicker ticker = new ManualTicker();
    private final Timers manualTimers = new Timers(ticker);
    private final BlockingSocketFactory manual = new BlockingSocketFactory(manualTimers);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        factory.close();
        manual.close();
        manualTimers.close();
    }

    @Test
    void aReadThatGetsNothingFailsWithTheJdksTimeoutException() throws IOException {
        Socket socket = connectedSocket().socket(); // the peer never writes
        socket.setSoTimeout(TIMEOUT_MS);

        long started = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read());
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals("Read timed out", e.getMessage());
        assertTrue(tookMs >= TIMEOUT_MS - 50, "timed out after only " + tookMs + " ms");
        assertTrue(tookMs < 10_000, "took " + tookMs + " ms");
        assertTrue(socket.isClosed(), "a timed-out socket is closed, as it cannot be reused");
        assertEquals(0, factory.openSockets());
    }

    @Test
    void timeBetweenReadsDoesNotCountAgainstTheReadTimeout() throws IOException {
        Connected connected = connectedSocket(manual);
        Socket socket = connected.socket();
        Socket peer = connected.peer();
        socket.setSoTimeout(TIMEOUT_MS);
        InputStream in = socket.getInputStream();

        peer.getOutputStream().write('a');
        assertEquals('a', in.read());
        // Idle, not reading, for well over the timeout (as a pooled connection is), with sweeps on the way.
        for (int i = 0; i < 3; i++) {
            ticker.advance(Duration.ofMillis(TIMEOUT_MS));
            manual.closeExpired(ticker.nanoTime());
        }
        peer.getOutputStream().write('b');

        assertEquals('b', in.read());
        assertFalse(socket.isClosed());
    }

    @Test
    void aBlockedReadIsClosedAtItsDeadlineAndNotBefore() throws Exception {
        Socket socket = connectedSocket(manual).socket(); // the peer never writes
        socket.setSoTimeout(TIMEOUT_MS);
        var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return socket.getInputStream().read();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Await.until("the read to be armed", Duration.ofSeconds(20), () -> armed(socket));

        ticker.advance(Duration.ofMillis(TIMEOUT_MS - 1));
        manual.closeExpired(ticker.nanoTime());
        assertFalse(socket.isClosed(), "1 ms before its deadline the read goes on");

        ticker.advance(Duration.ofMillis(1));
        manual.closeExpired(ticker.nanoTime());
        var e = assertThrows(java.util.concurrent.CompletionException.class, read::join);
        assertInstanceOf(SocketTimeoutException.class, e.getCause());
        assertEquals("Read timed out", e.getCause().getMessage());
        assertTrue(socket.isClosed());
    }

    private static boolean armed(Socket socket) {
        return ((BlockingSocketFactory.WatchedSocket) socket).armed();
    }

    @Test
    void getSoTimeoutReportsWhatWasSet() throws IOException {
        Socket socket = factory.createSocket();
        toClose.add(socket);
        socket.setSoTimeout(30_000);
        assertEquals(30_000, socket.getSoTimeout());
        socket.setSoTimeout(1);
        assertEquals(1, socket.getSoTimeout());
    }

    @Test
    void aShortTimeoutIsLeftToTheJdk() throws IOException {
        Socket socket = connectedSocket().socket();
        socket.setSoTimeout(1); // OkHttp's probe of a long-idle pooled connection

        assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read());
        assertFalse(socket.isClosed(), "the JDK's own timeout leaves the socket usable");
    }

    @Test
    void closingASocketIsNotReportedAsATimeout() throws Exception {
        Socket socket = connectedSocket().socket();
        socket.setSoTimeout(60_000);
        // Whether the close lands before or during the read, the read fails as closed, not as timed out.
        Thread closer = new Thread(() -> {
            try {
                socket.close();
            } catch (IOException ignored) {
            }
        });
        closer.start();

        IOException e = assertThrows(IOException.class, () -> socket.getInputStream().read());
        closer.join();

        assertFalse(e instanceof SocketTimeoutException, "got " + e);
        assertInstanceOf(SocketException.class, e);
    }

    @Test
    void aConnectThatGetsNoAnswerFailsWithTheJdksTimeoutException() throws IOException {
        // A listener that never accepts, with its accept queue full: Linux then drops further SYNs, so a
        // connect neither succeeds nor is refused.
        ServerSocket server = listen(1);
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        Assumptions.assumeTrue(fillAcceptQueue(address), "this kernel answers connects to a full accept queue");

        Socket socket = factory.createSocket();
        toClose.add(socket);
        long started = System.nanoTime();
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> socket.connect(address, TIMEOUT_MS));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertEquals("Connect timed out", e.getMessage());
        assertTrue(tookMs >= TIMEOUT_MS - 50 && tookMs < 10_000, "took " + tookMs + " ms");
    }

    /** Connects plain JDK sockets until one times out: the queue is full. False if that never happens. */
    private boolean fillAcceptQueue(InetSocketAddress address) throws IOException {
        for (int i = 0; i < 64; i++) {
            Socket filler = new Socket();
            toClose.add(filler);
            try {
                filler.connect(address, 300);
            } catch (SocketTimeoutException full) {
                return true;
            }
        }
        return false;
    }

    /** A socket from the factory, connected to a peer on loopback; both closed after the test. */
    @Test
    void aVirtualThreadThatRunsOnlyAfterItsReadDeadlineStillGetsTheAnswerWaitingForIt() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
        Connected connected = connectedSocket();
        int readTimeoutMs = 5_000;
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        // Given: a virtual thread waiting for the backend's answer, with a read timeout
        Thread reader = startVirtual(() -> {
            try {
                connected.socket().setSoTimeout(readTimeoutMs);
                outcome.complete(connected.socket().getInputStream().read());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        long readStarted = System.nanoTime();
        Await.until("the reader to wait for the answer", Duration.ofSeconds(20),
                () -> reader.getState() == Thread.State.WAITING || reader.getState() == Thread.State.TIMED_WAITING);

        // When: every carrier thread is kept busy until after the deadline, and the answer arrives meanwhile
        int carriers = Runtime.getRuntime().availableProcessors();
        CountDownLatch spinning = new CountDownLatch(carriers);
        AtomicLong releaseAt = new AtomicLong(Long.MAX_VALUE);
        for (int i = 0; i < carriers; i++) {
            startVirtual(() -> {
                spinning.countDown();
                while (System.nanoTime() - releaseAt.get() < 0) {
                    Thread.onSpinWait(); // never parks: holds its carrier, as a saturated scheduler does
                }
            });
        }
        Await.until("every carrier to be busy", Duration.ofSeconds(20), () -> spinning.getCount() == 0);
        connected.peer().getOutputStream().write('x');
        connected.peer().getOutputStream().flush();
        releaseAt.set(readStarted + TimeUnit.MILLISECONDS.toNanos(readTimeoutMs + 1_000));

        // Then: the late reader finds the answer; the backend was not silent, so nothing timed out
        assertEquals((int) 'x', outcome.get(30, TimeUnit.SECONDS));
        assertFalse(connected.socket().isClosed());
    }

    /** {@code Thread.ofVirtual().start(task)}, reached by name: this class is compiled for Java 17. */
    private static Thread startVirtual(Runnable task) throws ReflectiveOperationException {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
    }

    private Connected connectedSocket() throws IOException {
        return connectedSocket(factory);
    }

    private Connected connectedSocket(BlockingSocketFactory from) throws IOException {
        ServerSocket server = listen(50);
        Socket socket = from.createSocket();
        toClose.add(socket);
        socket.connect(server.getLocalSocketAddress(), 5_000);
        Socket peer = server.accept();
        toClose.add(peer);
        return new Connected(socket, peer);
    }

    private record Connected(Socket socket, Socket peer) {
    }

    private ServerSocket listen(int backlog) throws IOException {
        ServerSocket server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        toClose.add(server);
        return server;
    }
}
