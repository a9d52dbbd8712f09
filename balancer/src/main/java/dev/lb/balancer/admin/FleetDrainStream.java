package dev.lb.balancer.admin;

import dev.lb.admin.v1.DrainDone;
import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainProgress;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.fleet.Fleet;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Clock;
import java.util.Set;

/**
 * One Drain call with {@code fleet}: the in-flight count of each balancer of the fleet as it reports it,
 * then DrainDone once every balancer alive has 0 in flight. Events come from the fleet's thread; sends
 * are serialised on this object, and nothing is sent after the call ends or is cancelled.
 */
final class FleetDrainStream implements Fleet.DrainListener {
    private final Backend backend;
    private final ServerCallStreamObserver<DrainEvent> call;
    private final Clock clock;
    /** Stops following the drain; set once following starts. */
    private volatile Runnable stop = () -> { };
    /** Guarded by this. */
    private boolean finished;

    private FleetDrainStream(Backend backend, ServerCallStreamObserver<DrainEvent> call, Clock clock) {
        this.backend = backend;
        this.call = call;
        this.clock = clock;
    }

    /**
     * Sends this balancer's count and, when {@code follow}, every balancer's until the drain written at
     * {@code revision} is over everywhere.
     */
    static void serve(Fleet fleet, Backend backend, long revision, ServerCallStreamObserver<DrainEvent> call,
                      boolean follow, Clock clock) {
        FleetDrainStream stream = new FleetDrainStream(backend, call, clock);
        call.setOnCancelHandler(stream::cancelled);
        if (!follow) {
            stream.progress(fleet.instance(), backend.inFlight());
            stream.finish(call::onCompleted);
            return;
        }
        stream.stop = fleet.followDrain(backend.name(), revision, stream);
    }

    @Override
    public synchronized void progress(String instance, int inFlight) {
        if (finished) {
            return;
        }
        call.onNext(DrainEvent.newBuilder().setProgress(DrainProgress.newBuilder()
                .setBackend(backend.name()).setUrl(backend.url().toString()).setInFlight(inFlight)
                .setTime(ProtoValues.timestamp(clock.instant())).setInstance(instance)).build());
    }

    @Override
    public void done(Set<String> instances) {
        DrainEvent done = DrainEvent.newBuilder().setDone(DrainDone.newBuilder()
                .setBackend(backend.name()).setUrl(backend.url().toString())
                .setTime(ProtoValues.timestamp(clock.instant())).addAllInstances(instances)).build();
        finish(() -> {
            call.onNext(done);
            call.onCompleted();
        });
    }

    @Override
    public void abandoned(String why) {
        finish(() -> call.onError(Status.ABORTED.withDescription("the fleet drain was abandoned " + why)
                .asRuntimeException()));
    }

    private synchronized void finish(Runnable last) {
        if (finished) {
            return;
        }
        finished = true;
        if (!call.isCancelled()) {
            last.run();
        }
    }

    private void cancelled() {
        synchronized (this) {
            finished = true;
        }
        stop.run();
    }
}
