package dev.lb.balancer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IgnoredSignalsTest {
    @Test
    void readsTheIgnoredMaskOfProcStatus() {
        // 0x3: SIGHUP (bit 0) and SIGINT (bit 1), as a nohup'ed background job of a script has them
        IgnoredSignals ignored = IgnoredSignals.parse(List.of("Name:\tjava", "SigBlk:\t0000000000000000",
                "SigIgn:\t0000000000000003", "SigCgt:\t2000000181005ccf")).orElseThrow();

        assertTrue(ignored.ignores(IgnoredSignals.SIGINT));
        assertFalse(ignored.ignores(IgnoredSignals.SIGTERM));
    }

    @Test
    void saysNothingWithoutAMask() {
        assertTrue(IgnoredSignals.parse(List.of("Name:\tjava")).isEmpty());
        assertTrue(IgnoredSignals.parse(List.of("SigIgn:\tnot hex")).isEmpty());
    }
}
