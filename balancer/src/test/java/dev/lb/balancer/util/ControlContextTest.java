package dev.lb.balancer.util;

import dev.lb.testing.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ControlContextTest {
    private final ControlContext control = new ControlContext();

    @Test
    void aCallerAloneSeesItsChangeMadeWhenTheCallReturns() {
        List<String> done = new CopyOnWriteArrayList<>();

        control.execute(() -> done.add("change"));

        assertEquals(List.of("change"), done);
    }

    @Test
    void anEnqueuerNeverWaitsWhileAnotherThreadDrainsAndThatThreadRunsItsTask() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        Thread drainer = new Thread(() -> control.execute(() -> {
            running.countDown();
            awaitQuietly(release);
            order.add("first");
        }), "test-drainer");
        drainer.start();
        assertTrue(running.await(20, TimeUnit.SECONDS));

        // given another thread is inside a long task, when this one enqueues, it returns at once
        control.execute(() -> order.add(Thread.currentThread().getName()));
        assertEquals(List.of(), order, "queued behind the running task, not run here");

        release.countDown();
        drainer.join(20_000);
        assertEquals(List.of("first", "test-drainer"), order, "run in order, by the thread that was draining");
    }

    @Test
    void aTaskSubmittedFromInsideRunsAfterTheCurrentOneAndRunRunsItAtOnce() {
        List<String> order = new CopyOnWriteArrayList<>();

        control.execute(() -> {
            control.execute(() -> order.add("queued"));
            control.run(() -> order.add("inline"));
            order.add("rest of the first");
        });

        assertEquals(List.of("inline", "rest of the first", "queued"), order);
    }

    @Test
    void callReturnsTheResultOrRethrowsTheRefusal() throws Exception {
        assertEquals(42, control.<Integer, RuntimeException>call(() -> 42));
        assertThrows(IllegalStateException.class, () -> control.call(() -> {
            throw new IllegalStateException("refused");
        }));
        Exception checked = assertThrows(Exception.class, () -> control.<Void, Exception>call(() -> {
            throw new Exception("checked");
        }));
        assertEquals("checked", checked.getMessage());
    }

    @Test
    void aFailedTaskDoesNotStrandTheOnesQueuedBehindIt() {
        List<String> done = new CopyOnWriteArrayList<>();

        control.execute(() -> {
            control.execute(() -> {
                throw new IllegalStateException("a bug in one change");
            });
            control.execute(() -> done.add("next"));
        });

        assertEquals(List.of("next"), done);
        assertFalse(control.inContext());
    }

    @Test
    void callsFromManyThreadsAreSerialised() throws Exception {
        int[] unguarded = {0};
        List<CompletableFuture<Void>> all = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            all.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 10_000; i++) {
                    control.execute(() -> unguarded[0]++);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Await.until("every queued change to run", Duration.ofSeconds(20),
                () -> control.<Boolean, RuntimeException>call(() -> unguarded[0] == 40_000));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
