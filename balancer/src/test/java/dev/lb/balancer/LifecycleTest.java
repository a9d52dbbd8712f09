package dev.lb.balancer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LifecycleTest {
    @Test
    void partsCloseNewestFirstAndOnlyOnce() {
        Lifecycle parts = new Lifecycle();
        List<String> closed = new ArrayList<>();
        parts.push("pool", () -> closed.add("pool"));
        parts.push("server", () -> closed.add("server"));
        parts.push("drain", () -> closed.add("drain"));

        parts.unwind();
        parts.unwind();

        assertEquals(List.of("drain", "server", "pool"), closed);
        assertTrue(parts.isEmpty());
    }

    @Test
    void aPartThatFailsToCloseDoesNotKeepTheOthersOpen() {
        Lifecycle parts = new Lifecycle();
        List<String> closed = new ArrayList<>();
        parts.push("pool", () -> closed.add("pool"));
        parts.push("broken", () -> {
            throw new IllegalStateException("cannot close");
        });
        parts.push("server", () -> closed.add("server"));

        parts.unwind();

        assertEquals(List.of("server", "pool"), closed);
    }

    @Test
    void anInterruptWhileClosingIsKeptForTheCallerButDoesNotStopTheUnwinding() {
        Lifecycle parts = new Lifecycle();
        List<String> closed = new ArrayList<>();
        parts.push("pool", () -> closed.add("pool"));
        parts.push("waiting", () -> {
            throw new InterruptedException();
        });

        parts.unwind();

        assertEquals(List.of("pool"), closed);
        assertTrue(Thread.interrupted(), "interrupt restored");
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
