package dev.lb.balancer.page;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ViewerTest {
    private static final long NO_WAIT = 0;

    @Test
    void aNewViewerGetsTheSnapshotFirstThenEventsInOrderThenStats() throws Exception {
        Viewer viewer = new Viewer(1, 4);
        viewer.stats("stats-1");
        assertEquals(Viewer.Kind.SNAPSHOT, viewer.next(NO_WAIT).kind());

        viewer.offer("a");
        viewer.stats("stats-2");
        viewer.offer("b");
        assertEquals("a", viewer.next(NO_WAIT).frame());
        assertEquals("b", viewer.next(NO_WAIT).frame());
        assertEquals("stats-2", viewer.next(NO_WAIT).frame());
        assertEquals(Viewer.Kind.HEARTBEAT, viewer.next(NO_WAIT).kind());
    }

    @Test
    void statsAreOneSlotTheNewestWins() throws Exception {
        Viewer viewer = new Viewer(1, 4);
        viewer.next(NO_WAIT); // the snapshot
        for (int i = 0; i < 100; i++) {
            viewer.stats("stats-" + i);
        }
        assertEquals(1, viewer.waiting());
        assertEquals("stats-99", viewer.next(NO_WAIT).frame());
    }

    @Test
    void aViewerThatFallsBehindHoldsAtMostItsCapacityAndIsResyncedWithASnapshot() throws Exception {
        // given a viewer whose thread sends nothing (its browser stopped reading)
        Viewer viewer = new Viewer(1, 4);
        viewer.next(NO_WAIT);

        // when far more events come than it may hold
        int overflows = 0;
        for (int i = 0; i < 10_000; i++) {
            if (!viewer.offer("event-" + i)) {
                overflows++;
            }
            assertTrue(viewer.waiting() <= 4, "bounded");
        }

        // then the producer was told each time the buffer was dropped, and the viewer resumes with a snapshot
        assertTrue(overflows >= 1);
        assertEquals(Viewer.Kind.SNAPSHOT, viewer.next(NO_WAIT).kind());
        assertEquals(Viewer.Kind.HEARTBEAT, viewer.next(NO_WAIT).kind(), "the dropped events are not replayed after it");
    }

    @Test
    void closingWakesTheViewersThread() throws Exception {
        Viewer viewer = new Viewer(1, 4);
        viewer.next(NO_WAIT);
        Thread closer = new Thread(viewer::close);
        closer.start();
        Viewer.Next next = viewer.next(Duration.ofSeconds(30).toNanos());
        closer.join();
        assertEquals(Viewer.Kind.CLOSED, next.kind());
        assertTrue(viewer.offer("late"), "an event after the close is accepted and forgotten");
        assertEquals(0, viewer.waiting());
    }

    @Test
    void framesAreServerSentEventsWithOneDataLine() {
        assertEquals("event: health\ndata: {\"a\":1}\n\n", Viewer.frame("health", "{\"a\":1}"));
        assertFalse(Viewer.frame("stats", "{}").contains("\r"));
    }
}
