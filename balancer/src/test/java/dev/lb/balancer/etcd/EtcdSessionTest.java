package dev.lb.balancer.etcd;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The session's decisions that need no etcd: how long it waits between attempts, and what a prefix spans. */
class EtcdSessionTest {
    @Test
    void theBackoffDoublesFrom200MsAndStopsAtTwoSeconds() {
        assertEquals(Duration.ofMillis(200), EtcdSession.backoff(1));
        assertEquals(Duration.ofMillis(400), EtcdSession.backoff(2));
        assertEquals(Duration.ofMillis(1600), EtcdSession.backoff(4));
        assertEquals(Duration.ofSeconds(2), EtcdSession.backoff(5));
        assertEquals(Duration.ofSeconds(2), EtcdSession.backoff(1000));
    }

    @Test
    void aPrefixSpansUpToItsLastByteIncremented() {
        assertEquals(ByteString.copyFromUtf8("/lb/backends0"), EtcdSession.rangeEnd(ByteString.copyFromUtf8("/lb/backends/")));
        // a trailing 0xff cannot be incremented: the byte before it is, and the 0xff dropped
        assertEquals(ByteString.copyFrom(new byte[] {'b'}), EtcdSession.rangeEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff})));
        // nothing to increment: the range runs to the end of the key space
        assertEquals(ByteString.copyFrom(new byte[] {0}), EtcdSession.rangeEnd(ByteString.copyFrom(new byte[] {(byte) 0xff})));
    }
}
