package dev.lb.balancer.server;

import dev.lb.testing.Await;
import dev.lb.balancer.testing.ManualTicker;
import dev.lb.balancer.util.Timers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The body read clock at exact instants: the test moves the watchdog's ticker and runs its sweep, so
 * a loaded machine's scheduling cannot make a steady client look stalled, nor the other way round.
 */
class ClientReadTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1_000);

    private final ManualTicker ticker = new ManualTicker();
    private final Timers timers = new Timers(ticker);
    private final InterruptWatchdog watchdog = new InterruptWatchdog(timers, Duration.ofHours(1));
    private final ClientReadTimeout reads = new ClientReadTimeout(TIMEOUT, watchdog);
    private ServerSocket server;
    private Socket client;
    private SocketChannel accepted;

    @AfterEach
    void closeAll() throws IOException {
        watchdog.close();
        timers.close();
        if (client != null) {
            client.close();
        }
        if (accepted != null) {
            accepted.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSlowButSteadyBodyIsNotCutOff() throws Exception {
        InputStream in = connect();
        OutputStream out = client.getOutputStream();
        StringBuilder body = new StringBuilder();
        CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> readAll(in, 8, body));

        for (char c : "abcdefgh".toCharArray()) {
            // 8 x 400 ms is well past the timeout in total, never between two bytes
            ticker.advance(Duration.ofMillis(400));
            watchdog.sweep(ticker.nanoTime());
            int before = length(body);
            out.write(c);
            out.flush();
            Await.until("the byte to be read", Duration.ofSeconds(20), () -> length(body) > before);
        }

        assertEquals("abcdefgh", received.get());
    }

    @Test
    void aStalledBodyIsCutOffAtTheTimeoutAndNotBefore() throws Exception {
        InputStream in = connect();
        CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> readAll(in, 1, new StringBuilder()));
        Await.until("the read to be armed", Duration.ofSeconds(20), () -> watchdog.armedCount() == 1);

        ticker.advance(TIMEOUT.minusMillis(1));
        watchdog.sweep(ticker.nanoTime());
        assertFalse(received.isDone(), "1 ms before the timeout the read goes on");

        ticker.advance(Duration.ofMillis(1));
        watchdog.sweep(ticker.nanoTime());
        CompletionException e = assertThrows(CompletionException.class, received::join);
        assertInstanceOf(ClientReadTimeout.TimedOut.class, e.getCause());
    }

    /** A stream over an interruptible channel, as the JDK server's request body is. */
    private InputStream connect() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        accepted = SocketChannel.open(server.getLocalSocketAddress());
        client = server.accept();
        return Channels.newInputStream(accepted);
    }

    private String readAll(InputStream in, int n, StringBuilder into) {
        byte[] one = new byte[1];
        try {
            while (length(into) < n) {
                if (reads.read(in, one) < 0) {
                    break;
                }
                synchronized (into) {
                    into.append(new String(one, StandardCharsets.ISO_8859_1));
                }
            }
            return into.toString();
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    private static int length(StringBuilder body) {
        synchronized (body) {
            return body.length();
        }
    }
}
