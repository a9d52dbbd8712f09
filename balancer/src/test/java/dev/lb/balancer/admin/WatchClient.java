package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.HealthEvent;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import dev.lb.testing.Await;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A test-side Watch stream that records what it receives. It reads only as many messages as it asks
 * for, so a test can play a client that stops reading.
 */
final class WatchClient implements ClientResponseObserver<WatchRequest, WatchEvent> {
    final List<WatchEvent> received = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean completed;
    private final int initialRequest;
    private final boolean autoRead;
    private volatile ClientCallStreamObserver<WatchRequest> call;

    private WatchClient(int initialRequest, boolean autoRead) {
        this.initialRequest = initialRequest;
        this.autoRead = autoRead;
    }

    /** A client that reads everything as it comes. */
    static WatchClient open(AdminServiceGrpc.AdminServiceStub stub, WatchRequest request) {
        return start(stub, request, new WatchClient(1, true));
    }

    /** A client that reads {@code initial} messages, then nothing until {@link #read(int)}. */
    static WatchClient stalled(AdminServiceGrpc.AdminServiceStub stub, WatchRequest request, int initial) {
        return start(stub, request, new WatchClient(initial, false));
    }

    private static WatchClient start(AdminServiceGrpc.AdminServiceStub stub, WatchRequest request, WatchClient client) {
        stub.watch(request, client);
        return client;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
        call = requestStream;
        requestStream.disableAutoRequestWithInitial(initialRequest);
    }

    @Override
    public void onNext(WatchEvent event) {
        received.add(event);
        if (autoRead) {
            call.request(1);
        }
    }

    @Override
    public void onError(Throwable t) {
        error.set(t);
    }

    @Override
    public void onCompleted() {
        completed = true;
    }

    void read(int messages) {
        call.request(messages);
    }

    void cancel() {
        call.cancel("test cancels", null);
    }

    List<HealthEvent> healthEvents() {
        return received.stream().filter(WatchEvent::hasHealth).map(WatchEvent::getHealth).toList();
    }

    long count(Predicate<WatchEvent> kind) {
        return received.stream().filter(kind).count();
    }

    /** Waits for a health event matching {@code match} and returns it. */
    HealthEvent awaitHealth(String what, Duration timeout, Predicate<HealthEvent> match) {
        Await.until(what, timeout, () -> healthEvents().stream().anyMatch(match));
        return healthEvents().stream().filter(match).findFirst().orElseThrow();
    }
}
