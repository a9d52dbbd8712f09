package dev.lb.balancer.admin;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.lb.admin.v1.HealthEvent;
import dev.lb.admin.v1.HealthState;

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
}
