package dev.lb.balancer.server;

import com.sun.net.httpserver.HttpHandler;
import dev.lb.testing.Await;
import dev.lb.balancer.testing.ManualTicker;
import dev.lb.balancer.util.Timers;
import org.junit.jupiter.api.AfterEach;
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
 * blocking read of the next head (an interrupt ends both). The test says what time it is: it moves the
 * watchdog's ticker and runs its sweep.
 */
class RequestHeadTimeoutTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Executor NEW_THREAD = command -> {
        Thread thread = new Thread(command, "test-server-task");
        thread.setDaemon(true);
        thread.start();
    };

    private final ManualTicker ticker = new ManualTicker();
    private final Timers timers = new Timers(ticker);
    /** Swept by the tests only: the timer's own period is far beyond any test. */
    private final InterruptWatchdog watchdog = new InterruptWatchdog(timers, Duration.ofHours(1));

    @AfterEach
    void close() {
        watchdog.close();
        timers.close();
    }

    private void pass(Duration time) {
        ticker.advance(time);
        watchdog.sweep(ticker.nanoTime());
    }

    @Test
    void onAConnectionTaskTheClockStartsAgainAfterEachExchange() throws Exception {
        try (RequestHeadTimeout heads = new RequestHeadTimeout(TIMEOUT, watchdog)) {
            CountDownLatch handling = new CountDownLatch(1);
            CountDownLatch answered = new CountDownLatch(1);
            HttpHandler handler = heads.wrap((HttpHandler) exchange -> {
                handling.countDown();
                awaitQuietly(answered);
            });
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
            assertTrue(handling.await(20, TimeUnit.SECONDS));
            pass(TIMEOUT.multipliedBy(10)); // handling the first request is not waiting for a head
            answered.countDown();
            Await.until("the clock to start again for the next head", Duration.ofSeconds(20),
                    () -> watchdog.armedCount() == 1);

            pass(TIMEOUT.minusMillis(1));
            assertFalse(nextHead.isDone(), "1 ms before the timeout the next head may still come");
            pass(Duration.ofMillis(1));

            assertEquals("cut off", nextHead.get(20, TimeUnit.SECONDS));
            assertEquals(1, heads.timedOut());
        }
    }

    @Test
    void onARequestTaskTheClockStopsForGoodOnceTheHeadIsIn() throws Exception {
        try (RequestHeadTimeout heads = new RequestHeadTimeout(TIMEOUT, watchdog)) {
            CountDownLatch handling = new CountDownLatch(1);
            CountDownLatch slowBackendDone = new CountDownLatch(1);
            HttpHandler handler = heads.wrap((HttpHandler) exchange -> {
                handling.countDown();
                try {
                    // a handler that takes ten timeouts (a slow backend) is not the client's head
                    assertTrue(slowBackendDone.await(20, TimeUnit.SECONDS));
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
            assertTrue(handling.await(20, TimeUnit.SECONDS));
            for (int i = 0; i < 10; i++) {
                pass(TIMEOUT);
            }
            slowBackendDone.countDown();

            assertTrue(handled.get(20, TimeUnit.SECONDS));
            assertEquals(0, heads.timedOut());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
