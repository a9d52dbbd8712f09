package dev.lb.balancer.admin;

import dev.lb.admin.v1.DrainDone;
import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainProgress;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.backend.DrainAbandonedException;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;

import java.time.Clock;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;

/**
 * One Drain call that follows its drain to the end: the in-flight count as it goes down, then DrainDone.
 * Counts come from the drain's coalescing listener on the admin executor, never on a request thread;
 * they only go down, so a client that reads slowly holds at most one message per distinct count. Sends
 * are serialised on this object, and nothing is sent after the call ends or is cancelled.
 */
final class DrainStream {
    private final Drain drain;
    private final ServerCallStreamObserver<DrainEvent> call;
    private final Clock clock;
    private final IntConsumer listener = this::progress;
    /** Guarded by this. */
    private boolean finished;
    /** Guarded by this. */
    private int lastSent = -1;

    private DrainStream(Drain drain, ServerCallStreamObserver<DrainEvent> call, Clock clock) {
        this.drain = drain;
        this.call = call;
        this.clock = clock;
    }

    /** Sends the current count and, when {@code follow}, everything up to the end of the drain. */
    static void serve(Drain drain, ServerCallStreamObserver<DrainEvent> call, boolean follow, Executor executor, Clock clock) {
        DrainStream stream = new DrainStream(drain, call, clock);
        call.setOnCancelHandler(stream::cancelled);
        stream.progress(drain.inFlight());
        if (!follow) {
            stream.finish(call::onCompleted);
            return;
        }
        // The listener does not hear the count at subscription, hence the progress() above; and a drain
        // that is already over never calls it again, hence the completion handler.
        drain.onProgress(stream.listener, executor);
        drain.completion().whenCompleteAsync((done, failure) -> stream.ended(failure), executor);
    }

    private synchronized void progress(int inFlight) {
        if (finished || inFlight == lastSent) {
            return;
        }
        lastSent = inFlight;
        Backend b = drain.backend();
        call.onNext(DrainEvent.newBuilder().setProgress(DrainProgress.newBuilder()
                .setBackend(b.name()).setUrl(b.url().toString()).setInFlight(inFlight)
                .setTime(ProtoValues.timestamp(clock.instant()))).build());
    }

    private void ended(Throwable failure) {
        if (failure == null) {
            progress(0);
            Backend b = drain.backend();
            DrainEvent done = DrainEvent.newBuilder().setDone(DrainDone.newBuilder()
                    .setBackend(b.name()).setUrl(b.url().toString())
                    .setStartedAt(ProtoValues.timestamp(drain.startedAt()))
                    .setTime(ProtoValues.timestamp(clock.instant()))).build();
            finish(() -> {
                call.onNext(done);
                call.onCompleted();
            });
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String why = cause instanceof DrainAbandonedException ? cause.getMessage() : "the drain failed: " + cause;
        finish(() -> call.onError(Status.ABORTED.withDescription(why).asRuntimeException()));
    }

    private synchronized void finish(Runnable last) {
        drain.removeProgressListener(listener);
        if (finished) {
            return;
        }
        finished = true;
        if (!call.isCancelled()) {
            last.run();
        }
    }

    private synchronized void cancelled() {
        finished = true;
        drain.removeProgressListener(listener);
    }
}
