package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request-head clock, without a server: a task stands for a server's task, a latch wait for its
 * blocking read of the next head (an interrupt ends both).
 */
class RequestHeadTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Executor NEW_THREAD = command -> {
        Thread thread = new Thread(command, "test-server-task");
        thread.setDaemon(true);
        thread.start();
    };

    @Test
    void onAConnectionTaskTheClockStartsAgainAfterEachExchange() throws Exception {
        try (RequestHeadTimeout heads = new RequestHeadTimeout(TIMEOUT)) {
            HttpHandler handler = heads.wrap((HttpHandler) exchange -> { });
            CompletableFuture<String> nextHead = new CompletableFuture<>();

            heads.wrapConnections(NEW_THREAD).execute(() -> {
                try {
                    handler.handle(null);                         // the first request, in time
                    new CountDownLatch(1).await(30, TimeUnit.SECONDS); // the next head never comes
                    nextHead.complete("waited 30 s");
                } catch (InterruptedException e) {
                    nextHead.complete("cut off");
                } catch (Exception e) {
                    nextHead.completeExceptionally(e);
                }
            });

            assertEquals("cut off", nextHead.get(20, TimeUnit.SECONDS));
            assertEquals(1, heads.timedOut());
        }
    }

    @Test
    void onARequestTaskTheClockStopsForGoodOnceTheHeadIsIn() throws Exception {
        try (RequestHeadTimeout heads = new RequestHeadTimeout(TIMEOUT)) {
            HttpHandler handler = heads.wrap((HttpHandler) exchange -> {
                try {
                    // a handler that takes ten timeouts (a slow backend) is not the client's head
                    assertFalse(new CountDownLatch(1).await(TIMEOUT.toMillis() * 10, TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    throw new AssertionError("interrupted while handling", e);
                }
            });
            CompletableFuture<Boolean> handled = new CompletableFuture<>();

            heads.wrap(NEW_THREAD).execute(() -> {
                try {
                    handler.handle(null);
                    handled.complete(true);
                } catch (Throwable e) {
                    handled.completeExceptionally(e);
                }
            });

            assertTrue(handled.get(20, TimeUnit.SECONDS));
            assertEquals(0, heads.timedOut());
        }
    }
}
