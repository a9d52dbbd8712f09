package dev.lb.balancer.discovery;

import com.google.protobuf.ByteString;
import dev.lb.balancer.config.EtcdConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.RangeRequest;
import dev.lb.etcd.etcdserverpb.RangeResponse;
import dev.lb.etcd.etcdserverpb.WatchCreateRequest;
import dev.lb.etcd.etcdserverpb.WatchGrpc;
import dev.lb.etcd.etcdserverpb.WatchRequest;
import dev.lb.etcd.etcdserverpb.WatchResponse;
import dev.lb.etcd.mvccpb.Event;
import dev.lb.etcd.mvccpb.KeyValue;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows the backends under an etcd prefix: reads the prefix once, then watches it (etcd's Watch API,
 * no polling) from the revision after the last one seen, so a watch resumed after a lost connection
 * replays every change made meanwhile. Talks etcd's gRPC API through the grpc-java the admin API
 * already uses (docs/configuration.md says why not jetcd).
 *
 * <p>Owns the {@code etcd-discovery} thread: every read, every event and every reconnect runs on it, so
 * the state below is confined to it; gRPC's threads only hand responses over.
 */
final class EtcdDiscovery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EtcdDiscovery.class.getName());
    static final Duration READ_DEADLINE = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final SourceFollower follower;
    private final ByteString prefix;
    private final ByteString rangeEnd;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("etcd-discovery", true));

    // --- confined to the etcd-discovery thread ---
    /** The backends by key, as of {@link #revision}. */
    private final Map<String, ServerConfig> backends = new TreeMap<>();
    /** Keys whose value could not be read, with the revision reported, so each is logged once. */
    private final Map<String, Long> badKeys = new HashMap<>();
    /** The last revision applied; 0 until the prefix has been read. */
    private long revision;
    /** Whether the prefix must be read whole before watching (first start, or history compacted). */
    private boolean mustRead = true;
    /** Which endpoint is asked; moves on after a failure. */
    private int endpoint;
    private int failuresInARow;
    /** Counts watch streams; a callback of an older stream is ignored. */
    private long stream;
    private ClientCallStreamObserver<WatchRequest> watch;

    EtcdDiscovery(EtcdConfig config, SourceFollower follower) {
        this.follower = follower;
        this.prefix = ByteString.copyFromUtf8(config.prefix());
        this.rangeEnd = EtcdKeys.rangeEnd(prefix);
        for (URI uri : config.endpoints()) {
            channels.add(Grpc.newChannelBuilderForAddress(uri.getHost(), uri.getPort(), InsecureChannelCredentials.create())
                    .build());
        }
    }

    void start() {
        executor.execute(this::connect);
    }

    private void connect() {
        if (failuresInARow > 0) {
            // The channel's own reconnect backoff grows to two minutes while etcd is down; this class
            // paces its attempts itself (MAX_BACKOFF), so each attempt connects at once.
            channel().resetConnectBackoff();
        }
        try {
            if (mustRead) {
                read();
            }
            watch();
        } catch (StatusRuntimeException e) {
            lost(stream, describe(e.getStatus()));
        }
    }

    /** Reads every key under the prefix and applies the whole answer. */
    private void read() {
        RangeResponse range = KVGrpc.newBlockingStub(channel())
                .withDeadlineAfter(READ_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd).build());
        backends.clear();
        range.getKvsList().forEach(this::put);
        revision = range.getHeader().getRevision();
        mustRead = false;
        follower.answered(answer());
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
                executor.execute(() -> watched(mine, response));
            }

            @Override
            public void onError(Throwable t) {
                executor.execute(() -> lost(mine, describe(Status.fromThrowable(t))));
            }

            @Override
            public void onCompleted() {
                executor.execute(() -> lost(mine, "etcd ended the watch"));
            }
        };
        WatchGrpc.newStub(channel()).watch(observer).onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd)
                        .setStartRevision(revision + 1).setProgressNotify(true))
                .build());
    }

    private void watched(long from, WatchResponse response) {
        if (from != stream) {
            return;
        }
        if (response.getCompactRevision() > 0 || response.getCanceled()) {
            // History since our revision is gone: only a fresh read can tell what changed.
            mustRead = true;
            LOG.log(System.Logger.Level.INFO, "etcd canceled the watch at revision {0} ({1}); reading the prefix again",
                    revision, response.getCompactRevision() > 0
                            ? "history compacted to " + response.getCompactRevision() : response.getCancelReason());
            restart(from, Duration.ZERO);
            return;
        }
        if (response.getCreated()) {
            failuresInARow = 0;
            follower.answered(answer()); // the source is back: the status says so, the pool is as it was
            return;
        }
        for (Event event : response.getEventsList()) {
            if (event.getType() == Event.EventType.DELETE) {
                String key = event.getKv().getKey().toStringUtf8();
                backends.remove(key);
                badKeys.remove(key);
            } else {
                put(event.getKv());
            }
            revision = Math.max(revision, event.getKv().getModRevision());
        }
        if (response.getEventsCount() > 0) {
            follower.answered(answer());
        } else {
            // A progress notification: nothing changed up to this revision.
            revision = Math.max(revision, response.getHeader().getRevision());
        }
    }

    private void put(KeyValue kv) {
        String key = kv.getKey().toStringUtf8();
        try {
            backends.put(key, EtcdKeys.backend(key, kv.getValue().toStringUtf8()));
            badKeys.remove(key);
        } catch (IllegalArgumentException e) {
            backends.remove(key);
            if (!Objects.equals(badKeys.put(key, kv.getModRevision()), kv.getModRevision())) {
                LOG.log(System.Logger.Level.WARNING, "{0}; the key is left out", e.getMessage());
            }
        }
    }

    /** The backends as of now; two keys naming one URL give one backend. */
    private Answer answer() {
        Map<URI, ServerConfig> byUrl = new java.util.LinkedHashMap<>();
        backends.values().forEach(b -> byUrl.putIfAbsent(b.url(), b));
        return new Answer(List.copyOf(byUrl.values()), null);
    }

    /** The connection or watch failed: membership stays, and etcd is asked again after a short wait. */
    private void lost(long from, String reason) {
        if (from != stream || executor.isShutdown()) {
            return;
        }
        failuresInARow++;
        follower.failed(reason);
        endpoint = (endpoint + 1) % channels.size();
        restart(from, Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), 100L << Math.min(failuresInARow, 5))));
    }

    /** Ends the current watch (its late callbacks are ignored) and connects again after {@code delay}. */
    private void restart(long from, Duration delay) {
        if (from != stream || executor.isShutdown()) {
            return;
        }
        stream++;
        if (watch != null) {
            watch.cancel("reconnecting", null);
            watch = null;
        }
        executor.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel() {
        return channels.get(endpoint);
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }

    @Override
    public void close() {
        executor.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
