package dev.lb.balancer.admin;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.lb.admin.v1.AdminChange;
import dev.lb.admin.v1.AdminChangeKind;
import dev.lb.admin.v1.AdminState;
import dev.lb.admin.v1.HealthEvent;
import dev.lb.admin.v1.HealthState;
import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.EjectionEvent;
import dev.lb.admin.v1.EjectionEventKind;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.OutlierEvent;

import java.time.Instant;

/** Converts balancer values into their admin API messages. */
final class ProtoValues {
    private ProtoValues() {
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    static Duration duration(java.time.Duration duration) {
        return Duration.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano()).build();
    }

    static java.time.Duration duration(Duration duration) {
        return java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }

    static HealthState state(dev.lb.balancer.backend.HealthState state) {
        return switch (state) {
            case UP -> HealthState.HEALTH_STATE_UP;
            case DOWN -> HealthState.HEALTH_STATE_DOWN;
        };
    }

    static HealthEvent event(dev.lb.balancer.backend.HealthEvent event) {
        return HealthEvent.newBuilder()
                .setBackend(event.backend())
                .setUrl(event.url())
                .setOldState(state(event.from()))
                .setNewState(state(event.to()))
                .setReason(event.reason())
                .setTime(timestamp(event.at()))
                .build();
    }

    static AdminState adminState(dev.lb.balancer.backend.AdminState state) {
        return switch (state) {
            case READY -> AdminState.ADMIN_STATE_READY;
            case DRAINING -> AdminState.ADMIN_STATE_DRAINING;
            case MAINTENANCE -> AdminState.ADMIN_STATE_MAINTENANCE;
        };
    }

    static AdminChange adminChange(AdminEvent event) {
        return AdminChange.newBuilder()
                .setBackend(event.backend())
                .setUrl(event.url())
                .setKind(kind(event.change()))
                .setOldValue(event.from())
                .setNewValue(event.to())
                .setActor(event.actor())
                .setTime(timestamp(event.at()))
                .build();
    }

    private static AdminChangeKind kind(AdminEvent.Change change) {
        return switch (change) {
            case STATE -> AdminChangeKind.ADMIN_CHANGE_KIND_STATE;
            case WEIGHT -> AdminChangeKind.ADMIN_CHANGE_KIND_WEIGHT;
            case ADDED -> AdminChangeKind.ADMIN_CHANGE_KIND_ADDED;
            case REMOVED -> AdminChangeKind.ADMIN_CHANGE_KIND_REMOVED;
            case DRAINED -> AdminChangeKind.ADMIN_CHANGE_KIND_DRAINED;
        };
    }

    static EjectionEvent ejection(OutlierEvent event) {
        return EjectionEvent.newBuilder()
                .setBackend(event.backend())
                .setUrl(event.url())
                .setKind(switch (event.kind()) {
                    case EJECTED -> EjectionEventKind.EJECTION_EVENT_KIND_EJECTED;
                    case RETURNED -> EjectionEventKind.EJECTION_EVENT_KIND_RETURNED;
                    case READMITTED -> EjectionEventKind.EJECTION_EVENT_KIND_READMITTED;
                    case ENDED -> EjectionEventKind.EJECTION_EVENT_KIND_ENDED;
                })
                .setReason(event.reason())
                .setEjection(duration(event.ejection()))
                .setTime(timestamp(event.at()))
                .build();
    }

    static ReloadOutcome reload(dev.lb.balancer.backend.ReloadOutcome outcome) {
        return ReloadOutcome.newBuilder()
                .setApplied(outcome.applied())
                .setSource(outcome.source())
                .addAllChanges(outcome.changes())
                .addAllNeedsRestart(outcome.needsRestart())
                .setError(outcome.error())
                .setActor(outcome.actor())
                .setTime(timestamp(outcome.at()))
                .build();
    }

    /** A membership source's status as GetStatus shows it. */
    static dev.lb.admin.v1.DiscoverySourceStatus source(dev.lb.balancer.discovery.SourceStatus s) {
        var status = dev.lb.admin.v1.DiscoverySourceStatus.newBuilder()
                .setName(s.name())
                .setState(switch (s.state()) {
                    case STARTING -> dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_STARTING;
                    case OK -> dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_OK;
                    case FAILING -> dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_FAILING;
                })
                .setBackends(s.backends())
                .setLastError(s.lastError())
                .setTotalFailures(s.failures());
        if (s.lastSuccess() != null) {
            status.setLastAnswer(timestamp(s.lastSuccess()));
        }
        return status.build();
    }

    /** A membership source that started failing or answers again, as a Watch event. */
    static dev.lb.admin.v1.DiscoverySourceEvent sourceEvent(dev.lb.balancer.backend.SourceEvent event) {
        return dev.lb.admin.v1.DiscoverySourceEvent.newBuilder()
                .setName(event.source())
                .setState(event.up() ? dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_OK
                        : dev.lb.admin.v1.DiscoverySourceState.DISCOVERY_SOURCE_STATE_FAILING)
                .setReason(event.reason())
                .setBackends(event.backends())
                .setTime(timestamp(event.at()))
                .build();
    }
}
