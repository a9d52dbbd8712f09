package dev.lb.balancer.admin;

import dev.lb.admin.v1.AddBackendRequest;
import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.DisableRequest;
import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainRequest;
import dev.lb.admin.v1.EnableRequest;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.ReloadRequest;
import dev.lb.admin.v1.RemoveBackendRequest;
import dev.lb.admin.v1.RemoveBackendResponse;
import dev.lb.admin.v1.SetWeightRequest;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.control.ControlException;
import dev.lb.balancer.control.Removal;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.fleet.Fleet;
import dev.lb.balancer.fleet.FleetException;
import dev.lb.balancer.fleet.FleetOp;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@code lb.admin.v1.AdminService} RPCs: status reads, the Watch feed, and runtime control, which
 * it delegates to {@link RuntimeControl}.
 */
public final class AdminService extends AdminServiceGrpc.AdminServiceImplBase {
    static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(1);
    static final Duration MIN_STATS_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_STATS_INTERVAL = Duration.ofHours(1);

    private final StatusReader reader;
    private final WatchHub hub;
    private final RuntimeControl control;
    private final Executor executor;
    private final Clock clock;
    /** Where fleet-wide changes go; null for a balancer without discovery.etcd. */
    private final Fleet fleet;

    /**
     * @param executor runs drain progress and removal answers, off the request and health-check threads
     */
    public AdminService(StatusReader reader, WatchHub hub, RuntimeControl control, Executor executor, Clock clock) {
        this(reader, hub, control, executor, clock, null);
    }

    /** @param fleet where fleet-wide changes go; null when the balancer has none */
    public AdminService(StatusReader reader, WatchHub hub, RuntimeControl control, Executor executor, Clock clock,
                        Fleet fleet) {
        this.fleet = fleet;
        this.reader = reader;
        this.hub = hub;
        this.control = control;
        this.executor = command -> {
            try {
                executor.execute(command);
            } catch (RejectedExecutionException e) {
                // The admin server is stopping and its calls are ending; a request thread reporting a
                // drain's progress must not fail because of it.
            }
        };
        this.clock = clock;
    }

    /**
     * The service with the interceptor that tells runtime changes the caller's address, recorded when a
     * request names no actor. Served without it, such changes are recorded as by "admin".
     */
    public ServerServiceDefinition withCallerAddresses() {
        return ServerInterceptors.intercept(this, new Callers());
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

    @Override
    public void drain(DrainRequest request, StreamObserver<DrainEvent> response) {
        if (request.getFleet()) {
            run(response, request.getActor(), actor -> fleetWrite(request.getBackend(), actor, FleetOp.Kind.DRAIN, 0))
                    .ifPresent(written -> FleetDrainStream.serve(fleet, written.backend(), written.revision(),
                            (ServerCallStreamObserver<DrainEvent>) response, request.getWait(), clock));
            return;
        }
        run(response, request.getActor(), actor -> control.drain(request.getBackend(), actor)).ifPresent(drain ->
                DrainStream.serve(drain, (ServerCallStreamObserver<DrainEvent>) response, request.getWait(), executor, clock));
    }

    @Override
    public void disable(DisableRequest request, StreamObserver<BackendChangeResponse> response) {
        if (request.getFleet()) {
            change(response, request.getActor(), actor -> fleetWrite(request.getBackend(), actor, FleetOp.Kind.DISABLE, 0).backend());
            return;
        }
        changeBackend(response, request.getBackend(), request.getActor(), control::disable);
    }

    @Override
    public void enable(EnableRequest request, StreamObserver<BackendChangeResponse> response) {
        if (request.getFleet()) {
            change(response, request.getActor(), actor -> fleetWrite(request.getBackend(), actor, FleetOp.Kind.ENABLE, 0).backend());
            return;
        }
        changeBackend(response, request.getBackend(), request.getActor(), control::enable);
    }

    @Override
    public void setWeight(SetWeightRequest request, StreamObserver<BackendChangeResponse> response) {
        // uint32 on the wire: a value above Integer.MAX_VALUE arrives negative and is refused as out of range.
        if (request.getFleet()) {
            change(response, request.getActor(), actor -> {
                if (request.getWeight() < 0 || request.getWeight() > 1000) {
                    // Checked before writing: every balancer would refuse it, each in its own log.
                    throw new ControlException(ControlException.Kind.INVALID, "weight " + request.getWeight()
                            + " is out of range; use 0 to 1000 (0 = no new work)");
                }
                return fleetWrite(request.getBackend(), actor, FleetOp.Kind.WEIGHT, request.getWeight()).backend();
            });
            return;
        }
        changeBackend(response, request.getBackend(), request.getActor(),
                (backend, actor) -> control.setWeight(backend, request.getWeight(), actor));
    }

    @Override
    public void addBackend(AddBackendRequest request, StreamObserver<BackendChangeResponse> response) {
        int weight = request.hasWeight() ? request.getWeight() : 1;
        change(response, request.getActor(), actor -> control.add(request.getUrl(), weight, request.getName(), actor));
    }

    @Override
    public void removeBackend(RemoveBackendRequest request, StreamObserver<RemoveBackendResponse> response) {
        Optional<Removal> started = run(response, request.getActor(), actor -> control.remove(request.getBackend(), actor));
        if (started.isEmpty()) {
            return;
        }
        Removal removal = started.get();
        ServerCallStreamObserver<RemoveBackendResponse> call = (ServerCallStreamObserver<RemoveBackendResponse>) response;
        call.setOnCancelHandler(() -> { }); // a caller that gave up is not an error; the removal goes on
        removal.removed().whenCompleteAsync((backend, failure) -> answerRemoval(call, backend, failure), executor);
    }

    private void answerRemoval(ServerCallStreamObserver<RemoveBackendResponse> call, Backend backend, Throwable failure) {
        if (call.isCancelled()) {
            return;
        }
        if (failure != null) {
            call.onError(Status.INTERNAL.withDescription("removal failed: " + failure).asRuntimeException());
            return;
        }
        call.onNext(RemoveBackendResponse.newBuilder()
                .setBackend(backend.name())
                .setUrl(backend.url().toString())
                .setInFlight(backend.inFlight())
                .setTime(ProtoValues.timestamp(clock.instant()))
                .build());
        call.onCompleted();
    }

    @Override
    public void reload(ReloadRequest request, StreamObserver<ReloadOutcome> response) {
        String actor;
        try {
            actor = Callers.actor(request.getActor());
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        }
        response.onNext(ProtoValues.reload(control.reload(actor)));
        response.onCompleted();
    }

    /**
     * Writes a fleet-wide change for every balancer of the fleet to apply, this one included; returns
     * once this one has applied it. The backend must be known here, so a typo is refused before anything
     * is written.
     */
    private Written fleetWrite(String backend, String actor, FleetOp.Kind kind, int weight) throws ControlException {
        if (fleet == null) {
            throw Status.INVALID_ARGUMENT.withDescription("fleet-wide changes need discovery.etcd in this balancer's"
                    + " config (the fleet shares them through etcd); add it, or leave out --fleet to change this balancer only")
                    .asRuntimeException();
        }
        Backend b = control.backend(backend);
        try {
            long revision = fleet.change(new FleetOp(b.name(), kind, weight, actor + " via " + fleet.instance()));
            return new Written(b, revision);
        } catch (FleetException e) {
            // Not UNAVAILABLE: that would read as this balancer being unreachable.
            throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    /** A fleet-wide change written at {@code revision}, to {@code backend} as this balancer knows it. */
    private record Written(Backend backend, long revision) {
    }

    /** A unary change to a named backend: apply it, then answer with the backend as it is now. */
    private void changeBackend(StreamObserver<BackendChangeResponse> response, String backend, String requestedActor,
                               BackendChange change) {
        change(response, requestedActor, actor -> {
            Backend b = control.backend(backend);
            change.apply(backend, actor);
            return b;
        });
    }

    /** A unary change: apply it, then answer with the backend it returns, as that backend is now. */
    private void change(StreamObserver<BackendChangeResponse> response, String requestedActor, ControlCall<Backend> change) {
        run(response, requestedActor, change).ifPresent(backend -> {
            response.onNext(BackendChangeResponse.newBuilder().setBackend(StatusReader.backend(backend)).build());
            response.onCompleted();
        });
    }

    /**
     * Runs a control call on behalf of the caller's actor. Empty when it failed, in which case the call
     * was already answered with the error (a refused change, or an invalid actor).
     */
    private static <T> Optional<T> run(StreamObserver<?> response, String requestedActor, ControlCall<T> call) {
        try {
            return Optional.of(call.apply(Callers.actor(requestedActor)));
        } catch (ControlException e) {
            response.onError(ControlErrors.status(e));
        } catch (StatusRuntimeException e) {
            response.onError(e);
        }
        return Optional.empty();
    }

    /** One runtime control call, made on behalf of {@code actor}. */
    @FunctionalInterface
    private interface ControlCall<T> {
        T apply(String actor) throws ControlException;
    }

    /** A change to the named backend that returns nothing. */
    @FunctionalInterface
    private interface BackendChange {
        void apply(String backend, String actor) throws ControlException;
    }
}
