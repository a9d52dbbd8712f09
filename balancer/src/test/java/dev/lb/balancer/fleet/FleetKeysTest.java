package dev.lb.balancer.fleet;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FleetKeysTest {
    private final FleetKeys keys = new FleetKeys("/lb/admin/");

    @Test
    void aBackendNamedByItsUrlStaysOneKeySegment() {
        FleetOp op = new FleetOp("http://10.0.0.5:8080", FleetOp.Kind.DRAIN, 0, "alice");
        String key = keys.op(op);
        assertEquals("/lb/admin/ops/http%3A%2F%2F10.0.0.5%3A8080/state", key);
        assertEquals(new FleetKeys.Key(FleetKeys.Key.Kind.OP, "", "http://10.0.0.5:8080"), keys.parse(key).orElseThrow());
    }

    @Test
    void stateAndWeightHaveKeysOfTheirOwn() {
        assertEquals("/lb/admin/ops/a/weight", keys.op(new FleetOp("a", FleetOp.Kind.WEIGHT, 3, "x")));
        assertEquals("/lb/admin/ops/a/state", keys.op(new FleetOp("a", FleetOp.Kind.DISABLE, 0, "x")));
    }

    @Test
    void instancesAndTheirDrainReportsAreToldApart() {
        assertEquals(new FleetKeys.Key(FleetKeys.Key.Kind.INSTANCE, "h:9090", ""),
                keys.parse(keys.instance("h:9090")).orElseThrow());
        assertEquals(new FleetKeys.Key(FleetKeys.Key.Kind.DRAIN, "h:9090", "a"),
                keys.parse(keys.drain("h:9090", "a")).orElseThrow());
        assertEquals(java.util.Optional.empty(), keys.parse("/lb/admin/something/else/entirely/here"));
        assertEquals(java.util.Optional.empty(), keys.parse("/lb/backends/a"));
    }

    @Test
    void opsAndReportsSurviveTheirJson() {
        FleetOp op = new FleetOp("a", FleetOp.Kind.WEIGHT, 7, "alice@laptop via h:9090");
        assertEquals(op, FleetKeys.op("k", FleetKeys.opValue(op)));
        DrainReport report = new DrainReport("h:9090", "a", 42, 3, DrainReport.Outcome.DRAINING, "");
        assertEquals(report, FleetKeys.report("k", FleetKeys.reportValue(report)));
    }

    @Test
    void aHandWrittenBadOpNamesTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FleetKeys.op("/lb/admin/ops/a/state", "{\"backend\": \"a\", \"op\": \"explode\"}"));
        assertEquals("etcd key /lb/admin/ops/a/state: op \"explode\" is not drain, disable, enable or weight", e.getMessage());
    }
}
