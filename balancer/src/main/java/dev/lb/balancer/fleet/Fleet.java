package dev.lb.balancer.fleet;

import com.google.protobuf.ByteString;
import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.Drain;
import dev.lb.balancer.backend.DrainAbandonedException;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.config.EtcdConfig;
import dev.lb.balancer.control.ControlException;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.LeaseGrantRequest;
import dev.lb.etcd.etcdserverpb.LeaseGrpc;
import dev.lb.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.lb.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.lb.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.lb.etcd.etcdserverpb.PutRequest;
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
import io.grpc.stub.StreamObserver;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One balancer's membership in a fleet: the balancers that share an etcd admin prefix. A fleet-wide
 * change ({@code lbctl drain --fleet}) is written under the prefix by the balancer that was asked; every
 * balancer, that one included, watches the prefix and applies each change through {@link RuntimeControl},
 * the path of a local change, with the operator as actor. Each balancer registers itself under a lease
 * and reports its progress on fleet drains under keys of that lease, so a balancer that dies vanishes
 * from the fleet when its lease expires ({@link #LEASE_TTL}) and no drain waits for it.
 *
 * <p>Changes are stored per backend (the last state change and the last weight), not as a log: a
 * balancer that starts, or comes back after etcd was unreachable, reads the prefix and applies what it
 * has not applied yet, and a backend that joins later gets the changes stored for its name.
 *
 * <p>Owns the {@code fleet-admin} thread: every read, event, application and report runs on it, so the
 * state marked below is confined to it; gRPC's threads and callers only hand work over.
 */
public final class Fleet implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Fleet.class.getName());
    /** How long a dead balancer's keys outlive it. */
    static final Duration LEASE_TTL = Duration.ofSeconds(5);
    static final Duration KEEP_ALIVE_EVERY = Duration.ofSeconds(1);
    static final Duration CALL_DEADLINE = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final FleetKeys keys;
    private final RuntimeControl control;
    private final BackendPool pool;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("fleet-admin", true));
    private final BackendListener joins = new BackendListener() {
        @Override
        public void onHealthChange(HealthEvent event) {
        }

        @Override
        public void onAdminChange(AdminEvent event) {
            if (event.change() == AdminEvent.Change.ADDED) {
                submit(() -> joined(event.backend()));
            }
        }
    };
    /** Set once by {@link #start}. */
    private volatile String instance = "";
    /** Replaced whole on the fleet thread; read by status. */
    private volatile FleetView view;

    // --- confined to the fleet-admin thread ---
    /** The changes stored in etcd, by key, with the revision each was written at. */
    private final Map<String, Stored> ops = new HashMap<>();
    /** The revision of each op key this balancer applied last, so a re-read applies only what is new. */
    private final Map<String, Long> applied = new HashMap<>();
    private final Set<String> alive = new TreeSet<>();
    /** Every instance's drain reports: instance -> backend -> report. */
    private final Map<String, Map<String, DrainReport>> reports = new HashMap<>();
    /** This balancer's own reports, published again under each new lease. */
    private final Map<String, DrainReport> ownReports = new HashMap<>();
    /** The drains this balancer follows for the fleet, by backend name. */
    private final Map<String, Drain> followed = new HashMap<>();
    private final List<DrainWaiter> waiters = new ArrayList<>();
    private final List<RevisionWaiter> revisionWaiters = new ArrayList<>();
    private long revision;
    private long lease;
    private int endpoint;
    private int failuresInARow;
    private boolean connected;
    /** Counts watch streams; a callback of an older stream is ignored. */
    private long stream;
    private ClientCallStreamObserver<WatchRequest> watch;

    private Fleet(EtcdConfig config, RuntimeControl control, BackendPool pool) {
        this.keys = new FleetKeys(config.adminPrefix());
        this.control = control;
        this.pool = pool;
        for (URI uri : config.endpoints()) {
            channels.add(Grpc.newChannelBuilderForAddress(uri.getHost(), uri.getPort(), InsecureChannelCredentials.create())
                    .build());
        }
        this.view = new FleetView("", config.adminPrefix(), List.of(), false);
    }

    /** The fleet of a balancer with {@code discovery.etcd}; not yet following it (see {@link #start}). */
    public static Fleet create(EtcdConfig config, RuntimeControl control, BackendPool pool) {
        return new Fleet(config, control, pool);
    }

    /** Registers as {@code instance} and follows the admin prefix, in the background. */
    public void start(String instance) {
        this.instance = instance;
        view = new FleetView(instance, keys.prefix(), List.of(), false);
        pool.addListener(joins);
        submit(this::connect);
        executor.scheduleAtFixedRate(this::keepAlive, KEEP_ALIVE_EVERY.toMillis(), KEEP_ALIVE_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public String instance() {
        return instance;
    }

    public FleetView view() {
        return view;
    }

    // --- writing a change ----------------------------------------------------------------------

    /**
     * Writes a fleet-wide change and returns once this balancer has applied it too (or after
     * {@link #CALL_DEADLINE}, when its own watch lags; the change is in etcd and applies when it
     * catches up).
     *
     * @return the etcd revision of the change, which drain reports answer
     * @throws FleetException when no etcd endpoint took the change: nothing changed anywhere
     */
    public long change(FleetOp op) throws FleetException {
        PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(keys.op(op)))
                .setValue(ByteString.copyFromUtf8(FleetKeys.opValue(op))).build();
        StatusRuntimeException last = null;
        for (int i = 0; i < channels.size(); i++) {
            try {
                long written = KVGrpc.newBlockingStub(channels.get(i))
                        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).put(put).getHeader().getRevision();
                awaitApplied(written);
                return written;
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw new FleetException("etcd did not take the fleet-wide change (" + describe(last.getStatus())
                + "); nothing changed: retry when etcd answers, or leave out --fleet to change this balancer only");
    }

    private void awaitApplied(long written) {
        CompletableFuture<Void> reached = new CompletableFuture<>();
        submit(() -> {
            if (revision >= written) {
                reached.complete(null);
            } else {
                revisionWaiters.add(new RevisionWaiter(written, reached));
            }
        });
        try {
            reached.get(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "fleet change at revision {0} written, not yet applied here; it applies when the watch catches up",
                    written);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- following a fleet drain ---------------------------------------------------------------

    /** Hears a fleet drain's progress on the {@code fleet-admin} thread; must return at once. */
    public interface DrainListener {
        /** An instance's new in-flight count. */
        void progress(String instance, int inFlight);

        /** Every instance alive has 0 in flight. */
        void done(Set<String> instances);

        /** An instance's drain ended before it finished. */
        void abandoned(String why);
    }

    /**
     * Follows the drain written at {@code revision} until every balancer alive reports 0 in flight.
     *
     * @return stops following, for a caller that gave up
     */
    public Runnable followDrain(String backend, long revision, DrainListener listener) {
        DrainWaiter waiter = new DrainWaiter(backend, revision, listener);
        submit(() -> {
            waiters.add(waiter);
            evaluate();
        });
        return () -> submit(() -> waiters.remove(waiter));
    }

    private void evaluate() {
        for (var it = waiters.iterator(); it.hasNext(); ) {
            DrainWaiter waiter = it.next();
            Map<String, DrainReport> forBackend = new HashMap<>();
            reports.forEach((who, byBackend) -> {
                DrainReport r = byBackend.get(waiter.backend);
                if (r != null) {
                    forBackend.put(who, r);
                }
            });
            for (String who : alive) {
                DrainReport r = forBackend.get(who);
                if (r != null && r.revision() >= waiter.revision && !Integer.valueOf(r.inFlight()).equals(waiter.sent.get(who))) {
                    waiter.sent.put(who, r.inFlight());
                    waiter.listener.progress(who, r.inFlight());
                }
            }
            DrainVerdict verdict = DrainVerdict.of(alive, forBackend, waiter.revision);
            switch (verdict.state()) {
                case DONE -> {
                    it.remove();
                    waiter.listener.done(verdict.instances());
                }
                case ABANDONED -> {
                    it.remove();
                    waiter.listener.abandoned(verdict.detail());
                }
                case PENDING -> {
                }
            }
        }
    }

    // --- following the admin prefix ------------------------------------------------------------

    private void connect() {
        if (failuresInARow > 0) {
            channel().resetConnectBackoff();
        }
        try {
            register();
            read();
            watch();
        } catch (StatusRuntimeException e) {
            lost(stream, describe(e.getStatus()));
        }
    }

    /** Takes a fresh lease and puts this balancer and its drain reports under it. */
    private void register() {
        lease = LeaseGrpc.newBlockingStub(channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(LEASE_TTL.toSeconds()).build()).getID();
        put(keys.instance(instance), FleetKeys.instanceValue(instance));
        ownReports.values().forEach(this::publish);
    }

    private void put(String key, String value) {
        KVGrpc.newBlockingStub(channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                        .setLease(lease).build());
    }

    private void read() {
        ByteString prefix = ByteString.copyFromUtf8(keys.prefix());
        RangeResponse range = KVGrpc.newBlockingStub(channel())
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd(prefix)).build());
        alive.clear();
        reports.clear();
        ops.clear();
        range.getKvsList().forEach(this::put);
        advance(range.getHeader().getRevision());
    }

    private void watch() {
        long mine = ++stream;
        ByteString prefix = ByteString.copyFromUtf8(keys.prefix());
        ClientResponseObserver<WatchRequest, WatchResponse> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> requests) {
                watch = requests;
            }

            @Override
            public void onNext(WatchResponse response) {
                submit(() -> watched(mine, response));
            }

            @Override
            public void onError(Throwable t) {
                submit(() -> lost(mine, describe(Status.fromThrowable(t))));
            }

            @Override
            public void onCompleted() {
                submit(() -> lost(mine, "etcd ended the watch"));
            }
        };
        WatchGrpc.newStub(channel()).watch(observer).onNext(WatchRequest.newBuilder()
                .setCreateRequest(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(rangeEnd(prefix))
                        .setStartRevision(revision + 1).setProgressNotify(true))
                .build());
    }

    private void watched(long from, WatchResponse response) {
        if (from != stream) {
            return;
        }
        if (response.getCompactRevision() > 0 || response.getCanceled()) {
            restart(from, Duration.ZERO); // history gone: the next connect reads the prefix whole
            return;
        }
        if (response.getCreated()) {
            if (failuresInARow > 0) {
                LOG.log(System.Logger.Level.INFO, "fleet admin prefix {0} followed again", keys.prefix());
            }
            failuresInARow = 0;
            connected = true;
            publishView();
            return;
        }
        for (Event event : response.getEventsList()) {
            if (event.getType() == Event.EventType.DELETE) {
                delete(event.getKv().getKey().toStringUtf8());
            } else {
                put(event.getKv());
            }
        }
        advance(response.getHeader().getRevision());
    }

    /** Everything up to {@code now} is applied: wake the writers waiting for it and re-decide drains. */
    private void advance(long now) {
        revision = Math.max(revision, now);
        revisionWaiters.removeIf(w -> {
            if (w.revision <= revision) {
                w.reached.complete(null);
                return true;
            }
            return false;
        });
        publishView();
        evaluate();
    }

    private void put(KeyValue kv) {
        String key = kv.getKey().toStringUtf8();
        var parsed = keys.parse(key);
        if (parsed.isEmpty()) {
            return;
        }
        try {
            switch (parsed.get().kind()) {
                case OP -> {
                    FleetOp op = FleetKeys.op(key, kv.getValue().toStringUtf8());
                    ops.put(key, new Stored(op, kv.getModRevision()));
                    if (kv.getModRevision() > applied.getOrDefault(key, 0L)) {
                        applied.put(key, kv.getModRevision());
                        apply(op, kv.getModRevision());
                    }
                }
                case INSTANCE -> alive.add(parsed.get().instance());
                case DRAIN -> reports.computeIfAbsent(parsed.get().instance(), i -> new HashMap<>())
                        .put(parsed.get().backend(), FleetKeys.report(key, kv.getValue().toStringUtf8()));
            }
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}; the key is left out", e.getMessage());
        }
    }

    private void delete(String key) {
        keys.parse(key).ifPresent(k -> {
            switch (k.kind()) {
                case OP -> ops.remove(key);
                case INSTANCE -> alive.remove(k.instance());
                case DRAIN -> {
                    Map<String, DrainReport> byBackend = reports.get(k.instance());
                    if (byBackend != null) {
                        byBackend.remove(k.backend());
                    }
                }
            }
        });
    }

    /** The connection or watch failed: changes already applied stay; etcd is asked again after a short wait. */
    private void lost(long from, String reason) {
        if (from != stream || executor.isShutdown()) {
            return;
        }
        if (connected || failuresInARow == 0) {
            LOG.log(System.Logger.Level.WARNING, "fleet admin prefix {0} unreachable ({1}); fleet-wide changes wait until etcd answers",
                    keys.prefix(), reason);
        }
        connected = false;
        publishView();
        failuresInARow++;
        endpoint = (endpoint + 1) % channels.size();
        restart(from, Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), 100L << Math.min(failuresInARow, 5))));
    }

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

    /** Renews the lease; one that etcd no longer knows (it expired while etcd was away) is taken anew. */
    private void keepAlive() {
        if (!connected || lease == 0) {
            return;
        }
        long mine = lease;
        long current = stream;
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel()).withDeadlineAfter(
                CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                if (response.getTTL() <= 0) {
                    submit(() -> {
                        if (lease == mine) {
                            LOG.log(System.Logger.Level.INFO, "fleet lease {0} expired; registering again", mine);
                            restart(current, Duration.ZERO);
                        }
                    });
                }
            }

            @Override
            public void onError(Throwable t) {
                // etcd away: the watch notices it and reconnects, registering anew
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(mine).build());
        requests.onCompleted();
    }

    // --- applying a change ---------------------------------------------------------------------

    /** Applies one change as a local one would be, with the operator who asked as actor. */
    private void apply(FleetOp op, long at) {
        String actor = op.actor() + " (fleet)";
        try {
            switch (op.kind()) {
                case DRAIN -> drain(op.backend(), at, actor);
                case DISABLE -> control.disable(op.backend(), actor);
                case ENABLE -> control.enable(op.backend(), actor);
                case WEIGHT -> control.setWeight(op.backend(), op.weight(), actor);
            }
        } catch (ControlException e) {
            LOG.log(System.Logger.Level.INFO, "fleet {0} of {1} not applied here: {2}",
                    op.kind().name().toLowerCase(java.util.Locale.ROOT), op.backend(), e.getMessage());
            if (op.kind() == FleetOp.Kind.DRAIN) {
                report(new DrainReport(instance, op.backend(), at, 0, DrainReport.Outcome.SKIPPED, e.getMessage()));
            }
        }
    }

    private void drain(String backend, long at, String actor) throws ControlException {
        Drain drain = control.drain(backend, actor);
        if (followed.get(backend) != drain) {
            followed.put(backend, drain);
            drain.onProgress(inFlight -> progress(backend, drain, inFlight), executor);
            drain.completion().whenCompleteAsync((done, failure) -> finished(backend, drain, failure), executor);
        }
        report(new DrainReport(instance, backend, at, drain.inFlight(),
                drain.completion().isDone() && !drain.completion().isCompletedExceptionally()
                        ? DrainReport.Outcome.DRAINED : DrainReport.Outcome.DRAINING, ""));
    }

    private void progress(String backend, Drain drain, int inFlight) {
        DrainReport last = ownReports.get(backend);
        if (followed.get(backend) == drain && last != null && !drain.isDone() && inFlight > 0) {
            report(new DrainReport(instance, backend, last.revision(), inFlight, DrainReport.Outcome.DRAINING, ""));
        }
    }

    private void finished(String backend, Drain drain, Throwable failure) {
        DrainReport last = ownReports.get(backend);
        if (followed.get(backend) != drain || last == null) {
            return;
        }
        followed.remove(backend);
        if (failure == null) {
            report(new DrainReport(instance, backend, last.revision(), 0, DrainReport.Outcome.DRAINED, ""));
        } else {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            report(new DrainReport(instance, backend, last.revision(), drain.inFlight(), DrainReport.Outcome.ABANDONED,
                    cause instanceof DrainAbandonedException ? cause.getMessage() : cause.toString()));
        }
    }

    /** Keeps the report to publish again under a new lease, and publishes it now when connected. */
    private void report(DrainReport report) {
        ownReports.put(report.backend(), report);
        if (lease != 0) {
            publish(report);
        }
    }

    /** Fire and forget: a lost write is repeated by the next registration, which republishes every report. */
    private void publish(DrainReport report) {
        KVGrpc.newStub(channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(keys.drain(instance, report.backend())))
                        .setValue(ByteString.copyFromUtf8(FleetKeys.reportValue(report))).setLease(lease).build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(dev.lb.etcd.etcdserverpb.PutResponse value) {
                            }

                            @Override
                            public void onError(Throwable t) {
                                LOG.log(System.Logger.Level.DEBUG, "drain report not written: {0}", t.toString());
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
    }

    /** A backend joined this balancer's pool: the changes stored for its name apply to it now. */
    private void joined(String backend) {
        ops.values().stream().filter(s -> s.op.backend().equals(backend))
                .sorted(java.util.Comparator.comparingLong(Stored::revision))
                .forEach(s -> apply(s.op, s.revision));
    }

    private void publishView() {
        view = new FleetView(instance, keys.prefix(), List.copyOf(alive), connected);
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: nothing more is followed
        }
    }

    private ManagedChannel channel() {
        return channels.get(endpoint);
    }

    private static ByteString rangeEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }

    /**
     * Stops following and revokes the lease, so this balancer's keys vanish at once rather than after
     * {@link #LEASE_TTL}; changes it applied stay.
     */
    @Override
    public void close() {
        pool.removeListener(joins);
        CompletableFuture<long[]> leaseNow = new CompletableFuture<>();
        submit(() -> leaseNow.complete(new long[] {lease, endpoint}));
        executor.shutdown();
        try {
            long[] held = leaseNow.get(1, TimeUnit.SECONDS);
            if (held[0] != 0) {
                LeaseGrpc.newBlockingStub(channels.get((int) held[1])).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(held[0]).build());
            }
        } catch (StatusRuntimeException | TimeoutException | ExecutionException e) {
            // etcd away or the thread stuck: the lease expires by itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }

    private record Stored(FleetOp op, long revision) {
    }

    private record RevisionWaiter(long revision, CompletableFuture<Void> reached) {
    }

    /** One caller following a drain; compared by identity, so two callers on one drain are two waiters. */
    private static final class DrainWaiter {
        final String backend;
        final long revision;
        final DrainListener listener;
        /** The count last told per instance. */
        final Map<String, Integer> sent = new HashMap<>();

        DrainWaiter(String backend, long revision, DrainListener listener) {
            this.backend = backend;
            this.revision = revision;
            this.listener = listener;
        }
    }
}
