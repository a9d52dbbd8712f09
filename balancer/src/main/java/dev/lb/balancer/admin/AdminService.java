package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.Optional;

/** The {@code lb.admin.v1.AdminService} RPCs: status reads and the Watch feed. */
public final class AdminService extends AdminServiceGrpc.AdminServiceImplBase {
    static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(1);
    static final Duration MIN_STATS_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_STATS_INTERVAL = Duration.ofHours(1);

    private final StatusReader reader;
    private final WatchHub hub;

    public AdminService(StatusReader reader, WatchHub hub) {
        this.reader = reader;
        this.hub = hub;
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
        if (request.getBackend().isEmpty()) {
            response.onNext(reader.status());
            response.onCompleted();
            return;
        }
        Optional<GetStatusResponse> one = reader.status(request.getBackend());
        if (one.isEmpty()) {
            response.onError(Status.NOT_FOUND
                    .withDescription("no backend named \"" + request.getBackend()
                            + "\"; use a name or URL exactly as the full status lists it")
                    .asRuntimeException());
            return;
        }
        response.onNext(one.get());
        response.onCompleted();
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> response) {
        Duration interval = request.hasStatsInterval()
                ? ProtoValues.duration(request.getStatsInterval()) : Duration.ZERO;
        if (interval.isZero()) {
            interval = DEFAULT_STATS_INTERVAL;
        }
        if (interval.compareTo(MIN_STATS_INTERVAL) < 0 || interval.compareTo(MAX_STATS_INTERVAL) > 0) {
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription("stats_interval " + interval.toMillis() + " ms is out of range; use "
                            + MIN_STATS_INTERVAL.toMillis() + " ms to " + MAX_STATS_INTERVAL.toHours() + " h, or leave it unset for "
                            + DEFAULT_STATS_INTERVAL.toSeconds() + " s")
                    .asRuntimeException());
            return;
        }
        hub.open((ServerCallStreamObserver<WatchEvent>) response, interval);
    }
}
