package dev.lb.balancer.etcd;

import com.google.protobuf.ByteString;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.balancer.util.Timers;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.RangeRequest;
import dev.lb.etcd.etcdserverpb.RangeResponse;
import dev.lb.etcd.etcdserverpb.WatchCreateRequest;
import dev.lb.etcd.etcdserverpb.WatchGrpc;
import dev.lb.etcd.etcdserverpb.WatchRequest;
import dev.lb.etcd.etcdserverpb.WatchResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One connection's life with etcd, following one key prefix: connect to an endpoint, let the owner do
 * its blocking calls (read the prefix, register), watch the prefix from the revision after the last one
 * the owner applied, and when the connection or the watch fails, move to the next endpoint and connect
 * again after a backoff ({@link #backoff}). etcd's gRPC API is reached through grpc-java
 * (docs/configuration.md says why not jetcd).
 *
 * <p>Owns one named thread: every connect, every blocking call and every {@link Follower} callback runs
 * on it, so an owner's state touched only from those callbacks and from {@link #execute} tasks is
 * confined to it; gRPC's threads only hand responses over. Delays (the backoff) are kept by the
 * balancer's {@link Timers}, whose task only hands the reconnect to this thread.
 */
public final class EtcdSession implements AutoCloseable {
    /** How long a blocking call to etcd may take before the attempt counts as failed. */
    public static final Duration CALL_DEADLINE = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    /** What the owner does at each step of the session; every call comes on the session's thread. */
    public interface Follower {
        /**
         * Connected to {@link EtcdSession#channel()}: the blocking calls that must come before the watch.
         *
         * @throws StatusRuntimeException when etcd does not answer; the session counts a failure
         */
        void connected();

        /** The last revision applied; the watch starts after it, so nothing is missed across a reconnect. */
        long revision();

        /** etcd confirmed the watch; {@code failedBefore} attempts in a row had failed before this one. */
        void watching(int failedBefore);

        /** Changes under the prefix, or a progress notification (no events) up to the header's revision. */
        void changed(WatchResponse response);

        /**
         * etcd ended the watch on purpose: history since {@link #revision()} compacted away, or another
         * cancel reason. The session connects again at once, after this returns.
         */
        void canceled(WatchResponse response);

        /**
         * The connection or the watch failed; {@code failuresInARow} counts this one. The session moves
         * to the next endpoint and connects again after {@link EtcdSession#backoff}.
         */
        void lost(String reason, int failuresInARow);
    }

    private final ByteString prefix;
    private final ByteString rangeEnd;
    private final List<ManagedChannel> channels;
    private final Timers timers;
    private final ExecutorService thread;
    /** Set by {@link #start} before the first task is handed to the thread. */
    private Follower follower;
    private volatile boolean shutdown;
    /** The delayed reconnect, if one is waiting; written on the session's thread, cancelled by a shutdown. */
    private volatile Timers.Cancellable pendingConnect = Timers.Cancellable.NONE;

    // --- confined to the session's thread ---
    /** Which endpoint is asked; moves on after a failure. */
    private int endpoint;
    private int failuresInARow;
    /** Counts watch streams; a callback of an older stream is ignored. */
    private long stream;
    private ClientCallStreamObserver<WatchRequest> watch;

    /**
     * A session with every endpoint's channel made (gRPC connects lazily), not yet connecting.
     *
     * @param threadName names the session's thread ({@code threadName-1}) in a thread dump
     */
    public EtcdSession(String threadName, List<URI> endpoints, String prefix, Timers timers) {
        this.prefix = ByteString.copyFromUtf8(prefix);
        this.rangeEnd = rangeEnd(this.prefix);
        this.channels = endpoints.stream()
                .map(uri -> Grpc.newChannelBuilderForAddress(uri.getHost(), uri.getPort(), InsecureChannelCredentials.create())
                        .build())
                .toList();
        this.timers = timers;
        this.thread = Executors.newSingleThreadExecutor(new NamedThreadFactory(threadName, true));
    }

    /** Connects in the background and tells {@code follower} each step, until closed. */
    public void start(Follower follower) {
        this.follower = follower;
        execute(this::connect);
    }

    /** Runs {@code task} on the session's thread; once the session is shut down, it is dropped. */
    public void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // shut down: nothing more is followed
        }
    }

    /** The channel of the endpoint asked now. Session's thread only. */
    public ManagedChannel channel() {
        return channels.get(endpoint);
    }

    /** Every endpoint's channel, in config order, for a caller that tries each in turn. Any thread. */
    public List<ManagedChannel> channels() {
        return channels;
    }

    /** Which watch stream is current, for a later {@link #reconnect}. Session's thread only. */
    public long stream() {
        return stream;
    }

    /**
     * Ends watch stream {@code from} and connects again at once, when it is still current (a stream
     * already replaced needs nothing more). Session's thread only.
     */
    public void reconnect(long from) {
        restart(from, Duration.ZERO);
    }

    /** Reads every key under the prefix from {@link #channel()}. Session's thread only; blocks. */
    public RangeResponse readPrefix() {
        return KVGrpc.newBlockingStub(channel())
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd).build());
    }

    private void connect() {
        if (failuresInARow > 0) {
            // The channel's own reconnect backoff grows to two minutes while etcd is down; the session
            // paces its attempts itself (MAX_BACKOFF), so each attempt connects at once.
            channel().resetConnectBackoff();
        }
        try {
            follower.connected();
            watch();
        } catch (StatusRuntimeException e) {
            lost(stream, describe(e.getStatus()));
        }
    }

    private void watch() {
        long mine = ++stream;
        ClientResponseObserver<WatchRequest, WatchResponse> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> requests) {
                watch = requests;
            }

            @Override
            public void onNext(WatchResponse response) {
                execute(() -> watched(mine, response));
            }

            @Override
            public void onError(Throwable t) {
                execute(() -> lost(mine, describe(Status.fromThrowable(t))));
            }

            @Override
            public void onCompleted() {
                execute(() -> lost(mine, "etcd ended the watch"));
            }
        };
        WatchGrpc.newStub(channel()).watch(observer).onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd)
                        .setStartRevision(follower.revision() + 1).setProgressNotify(true))
                .build());
    }

    private void watched(long from, WatchResponse response) {
        if (from != stream) {
            return;
        }
        if (response.getCompactRevision() > 0 || response.getCanceled()) {
            follower.canceled(response);
            restart(from, Duration.ZERO);
            return;
        }
        if (response.getCreated()) {
            int failedBefore = failuresInARow;
            failuresInARow = 0;
            follower.watching(failedBefore);
            return;
        }
        follower.changed(response);
    }

    /** The connection or watch failed: the owner is told, and etcd is asked again after a short wait. */
    private void lost(long from, String reason) {
        if (from != stream || shutdown) {
            return;
        }
        failuresInARow++;
        follower.lost(reason, failuresInARow);
        endpoint = (endpoint + 1) % channels.size();
        restart(from, backoff(failuresInARow));
    }

    /** Ends the current watch (its late callbacks are ignored) and connects again after {@code delay}. */
    private void restart(long from, Duration delay) {
        if (from != stream || shutdown) {
            return;
        }
        stream++;
        if (watch != null) {
            watch.cancel("reconnecting", null);
            watch = null;
        }
        pendingConnect = timers.schedule(delay, () -> execute(this::connect));
    }

    /**
     * How long to wait before the next attempt after {@code failuresInARow} failures: 200 ms, doubling,
     * at most {@link #MAX_BACKOFF}, so a restarted etcd is found again within two seconds.
     */
    static Duration backoff(int failuresInARow) {
        return Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), 100L << Math.min(failuresInARow, 5)));
    }

    /** The end of the key range that holds every key starting with {@code prefix} (etcd's "prefix end"). */
    public static ByteString rangeEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0}); // every key
    }

    /** A gRPC status as one log or error phrase: {@code UNAVAILABLE: io exception}. */
    public static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }

    /**
     * Takes no more work and connects no more; what is already queued on the session's thread still
     * runs, so an owner can queue a last task before and wait for it after. {@link #close} ends the rest.
     */
    public void shutdown() {
        shutdown = true;
        pendingConnect.cancel();
        thread.shutdown();
    }

    /** Stops the thread and every channel; what the owner applied stays. */
    @Override
    public void close() {
        shutdown = true;
        pendingConnect.cancel();
        thread.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
