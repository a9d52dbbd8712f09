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
import dev.lb.balancer.etcd.EtcdSession;
import dev.lb.balancer.util.Timers;
import dev.lb.etcd.etcdserverpb.KVGrpc;
import dev.lb.etcd.etcdserverpb.LeaseGrantRequest;
import dev.lb.etcd.etcdserverpb.LeaseGrpc;
import dev.lb.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.lb.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.lb.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.lb.etcd.etcdserverpb.PutRequest;
import dev.lb.etcd.etcdserverpb.RangeResponse;
import dev.lb.etcd.etcdserverpb.WatchResponse;
import dev.lb.etcd.mvccpb.Event;
import dev.lb.etcd.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

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
 * <p>The connection to etcd, its watch and the reconnects are an {@link EtcdSession}'s, whose
 * {@code fleet-admin} thread runs every read, event, application and report, so the state marked below
 * is confined to it; gRPC's threads, the timers and callers only hand work over.
 */
public final class Fleet implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Fleet.class.getName());
    /** How long a dead balancer's keys outlive it. */
    static final Duration LEASE_TTL = Duration.ofSeconds(5);
    static final Duration KEEP_ALIVE_EVERY = Duration.ofSeconds(1);
    static final Duration CALL_DEADLINE = EtcdSession.CALL_DEADLINE;

    private final FleetKeys keys;
    private final RuntimeControl control;
    private final BackendPool pool;
    private final Timers timers;
    private final EtcdSession session;
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
    /** The lease renewal, started by {@link #start}. */
    private volatile Timers.Cancellable renewal = Timers.Cancellable.NONE;

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
    private boolean connected;

    private Fleet(EtcdConfig config, RuntimeControl control, BackendPool pool, Timers timers) {
        this.keys = new FleetKeys(config.adminPrefix());
        this.control = control;
        this.pool = pool;
        this.timers = timers;
        this.session = new EtcdSession("fleet-admin", config.endpoints(), config.adminPrefix(), timers);
        this.view = new FleetView("", config.adminPrefix(), List.of(), false);
    }

    /** The fleet of a balancer with {@code discovery.etcd}; not yet following it (see {@link #start}). */
    public static Fleet create(EtcdConfig config, RuntimeControl control, BackendPool pool, Timers timers) {
        return new Fleet(config, control, pool, timers);
    }

    /** Registers as {@code instance} and follows the admin prefix, in the background. */
    public void start(String instance) {
        this.instance = instance;
        view = new FleetView(instance, keys.prefix(), List.of(), false);
        pool.addListener(joins);
        session.start(new Follow());
        renewal = timers.every(KEEP_ALIVE_EVERY, now -> submit(this::keepAlive));
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
        for (ManagedChannel channel : session.channels()) {
            try {
                long written = KVGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).put(put).getHeader().getRevision();
                awaitApplied(written);
                return written;
            } catch (StatusRuntimeException e) {
                last = e;
            }
        }
        throw new FleetException("etcd did not take the fleet-wide change (" + EtcdSession.describe(last.getStatus())
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

    /** The session's steps, on the {@code fleet-admin} thread. */
    private final class Follow implements EtcdSession.Follower {
        @Override
        public void connected() {
            register();
            read();
        }

        @Override
        public long revision() {
            return revision;
        }

        @Override
        public void canceled(WatchResponse response) {
            // history gone: the next connect reads the prefix whole
        }

        @Override
        public void watching(int failedBefore) {
            if (failedBefore > 0) {
                LOG.log(System.Logger.Level.INFO, "fleet admin prefix {0} followed again", keys.prefix());
            }
            connected = true;
            publishView();
        }

        @Override
        public void changed(WatchResponse response) {
            watched(response);
        }

        /** The connection or watch failed: changes already applied stay; the session asks etcd again after a short wait. */
        @Override
        public void lost(String reason, int failuresInARow) {
            if (connected || failuresInARow == 1) {
                LOG.log(System.Logger.Level.WARNING, "fleet admin prefix {0} unreachable ({1}); fleet-wide changes wait until etcd answers",
                        keys.prefix(), reason);
            }
            connected = false;
            publishView();
        }
    }

    /** Takes a fresh lease and puts this balancer and its drain reports under it. */
    private void register() {
        lease = LeaseGrpc.newBlockingStub(session.channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(LEASE_TTL.toSeconds()).build()).getID();
        put(keys.instance(instance), FleetKeys.instanceValue(instance));
        ownReports.values().forEach(this::publish);
    }

    private void put(String key, String value) {
        KVGrpc.newBlockingStub(session.channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                        .setLease(lease).build());
    }

    private void read() {
        RangeResponse range = session.readPrefix();
        alive.clear();
        reports.clear();
        ops.clear();
        range.getKvsList().forEach(this::put);
        advance(range.getHeader().getRevision());
    }

    private void watched(WatchResponse response) {
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

    /** Renews the lease; one that etcd no longer knows (it expired while etcd was away) is taken anew. */
    private void keepAlive() {
        if (!connected || lease == 0) {
            return;
        }
        long mine = lease;
        long current = session.stream();
        StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(session.channel()).withDeadlineAfter(
                CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                if (response.getTTL() <= 0) {
                    submit(() -> {
                        if (lease == mine) {
                            LOG.log(System.Logger.Level.INFO, "fleet lease {0} expired; registering again", mine);
                            session.reconnect(current);
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
            drain.onProgress(inFlight -> progress(backend, drain, inFlight), session::execute);
            drain.completion().whenCompleteAsync((done, failure) -> finished(backend, drain, failure), session::execute);
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
        KVGrpc.newStub(session.channel()).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
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
        session.execute(task);
    }

    /**
     * Stops following and revokes the lease, so this balancer's keys vanish at once rather than after
     * {@link #LEASE_TTL}; changes it applied stay.
     */
    @Override
    public void close() {
        pool.removeListener(joins);
        renewal.cancel();
        CompletableFuture<Held> leaseNow = new CompletableFuture<>();
        submit(() -> leaseNow.complete(new Held(lease, session.channel())));
        session.shutdown();
        try {
            Held held = leaseNow.get(1, TimeUnit.SECONDS);
            if (held.lease() != 0) {
                LeaseGrpc.newBlockingStub(held.channel()).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(held.lease()).build());
            }
        } catch (StatusRuntimeException | TimeoutException | ExecutionException e) {
            // etcd away or the thread stuck: the lease expires by itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        session.close();
    }

    private record Stored(FleetOp op, long revision) {
    }

    /** The lease this balancer holds and the channel it was taken on, for the revoke at close. */
    private record Held(long lease, ManagedChannel channel) {
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
