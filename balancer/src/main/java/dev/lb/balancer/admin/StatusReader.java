package dev.lb.balancer.admin;

import dev.lb.admin.v1.BackendStats;
import dev.lb.admin.v1.BackendStatus;
import dev.lb.admin.v1.BalancerStatus;
import dev.lb.admin.v1.GetStatusResponse;
import dev.lb.admin.v1.HealthCheck;
import dev.lb.admin.v1.QueueStatus;
import dev.lb.admin.v1.StatsUpdate;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.discovery.SourceStatus;
import dev.lb.balancer.fleet.FleetView;
import dev.lb.balancer.backend.CheckResult;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.config.QueueConfig;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.select.SlowStart;
import dev.lb.balancer.select.TrafficPolicy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reads the live pool into admin API messages. Only reads lock-free counters and snapshots, so it is
 * safe from any thread and never holds up a request.
 */
public final class StatusReader {
    private final BackendPool pool;
    /** The request queue; null for a balancer without one (no queue is shown). */
    private final RequestQueue queue;
    private final BalancerFacts facts;
    private final BooleanSupplier sighupReload;
    private final Clock clock;
    /** The edge's parts (certificate, access log), null when there are none; set once before serving. */
    private volatile EdgeStatus edge;
    /** The membership sources' status, read at each status; none for a balancer without sources. */
    private final Supplier<List<SourceStatus>> discoverySources;

    /** A reader for a balancer that SIGHUP does not reload. */
    public StatusReader(BackendPool pool, BalancerFacts facts, Clock clock) {
        this(pool, null, facts, () -> false, clock);
    }

    /** @param sighupReload whether SIGHUP reloads the config now; read at each status */
    public StatusReader(BackendPool pool, RequestQueue queue, BalancerFacts facts, BooleanSupplier sighupReload,
                        Clock clock) {
        this(pool, queue, facts, sighupReload, clock, List::of);
    }

    /** @param discoverySources the membership sources' status, read at each status */
    public StatusReader(BackendPool pool, RequestQueue queue, BalancerFacts facts, BooleanSupplier sighupReload,
                        Clock clock, Supplier<List<SourceStatus>> discoverySources) {
        this.discoverySources = discoverySources;
        this.pool = pool;
        this.queue = queue;
        this.facts = facts;
        this.sighupReload = sighupReload;
        this.clock = clock;
    }

    /** The fleet this balancer belongs to, null when it has none; set once before serving. */
    private volatile Supplier<FleetView> fleet;

    /** Adds the fleet's view (discovery.etcd) to each status; call before the admin API serves. */
    public StatusReader fleet(Supplier<FleetView> fleet) {
        this.fleet = fleet;
        return this;
    }

    /** Adds the certificate and access log to each status; call before the admin API serves. */
    public StatusReader edge(EdgeStatus edge) {
        this.edge = edge;
        return this;
    }

    /** The balancer and every backend. */
    public GetStatusResponse status() {
        List<Backend> backends = pool.all();
        GetStatusResponse.Builder response = GetStatusResponse.newBuilder().setBalancer(balancer(backends));
        backends.forEach(b -> response.addBackends(backendNow(b)));
        discoverySources.get().forEach(s -> response.addDiscoverySources(ProtoValues.source(s)));
        Supplier<FleetView> fleetNow = fleet;
        if (fleetNow != null) {
            FleetView view = fleetNow.get();
            response.setFleet(dev.lb.admin.v1.FleetStatus.newBuilder().setInstance(view.instance())
                    .setAdminPrefix(view.adminPrefix()).addAllInstances(view.instances()).setConnected(view.connected()));
        }
        return response.build();
    }

    /** The balancer and one backend, found by name or URL. */
    public Optional<GetStatusResponse> status(String nameOrUrl) {
        return pool.find(nameOrUrl).map(b -> GetStatusResponse.newBuilder()
                .setBalancer(balancer(pool.all()))
                .addBackends(backendNow(b))
                .build());
    }

    /** The counters only, for periodic watch updates. */
    public StatsUpdate stats() {
        StatsUpdate.Builder stats = StatsUpdate.newBuilder().setTime(ProtoValues.timestamp(clock.instant()));
        int inFlight = 0;
        int up = 0;
        for (Backend b : pool.all()) {
            BackendStats one = BackendStats.newBuilder()
                    .setName(b.name())
                    .setUrl(b.url().toString())
                    .setHealth(ProtoValues.state(b.health()))
                    .setInFlight(b.inFlight())
                    .setTotalRequests(b.totalRequests())
                    .setTotalFailures(b.totalFailures())
                    .setAdminState(ProtoValues.adminState(b.adminState()))
                    .setWeight(b.weight())
                    .setMaxConnections(b.maxConnections())
                    .setSlowStartPercent(slowStartPercent(b, policy(), clock.instant()))
                    .setEjected(b.ejected())
                    .setTotalEjections(b.totalEjections())
                    .build();
            stats.addBackends(one);
            inFlight += one.getInFlight();
            up += b.health() == HealthState.UP ? 1 : 0;
        }
        if (queue != null) {
            stats.setQueue(queueStatus(queue));
        }
        return stats.setTotalRequests(pool.totals().requests()).setTotalFailures(pool.totals().failures())
                .setInFlight(inFlight)
                .setBackendsUp(up).setBackendsTotal(pool.all().size()).build();
    }

    private BalancerStatus balancer(List<Backend> backends) {
        Instant now = clock.instant();
        BalancerStatus.Builder balancer = BalancerStatus.newBuilder()
                .setListenAddress(facts.listenAddress())
                .setAlgorithm(facts.algorithm())
                .setStartedAt(ProtoValues.timestamp(facts.startedAt()))
                .setUptime(ProtoValues.duration(Duration.between(facts.startedAt(), now)))
                .setHealthCheckInterval(ProtoValues.duration(facts.healthCheckInterval()))
                .setVersion(facts.version())
                .setSighupReloadAvailable(sighupReload.getAsBoolean())
                .setBackendsTotal(backends.size());
        if (queue != null) {
            balancer.setQueue(queueStatus(queue));
        }
        TrafficPolicy policy = policy();
        balancer.setHashOn(policy.hash().hashOn().toString())
                .setHashBalanceFactor(policy.hash().balanceFactor())
                .setStickyCookie(policy.stickyCookie().enabled() ? policy.stickyCookie().name() : "")
                .setSlowStart(ProtoValues.duration(policy.slowStart()))
                .setEjectionConsecutive5Xx(policy.passiveHealth().consecutive5xx())
                .setMaxEjectionPercent(policy.passiveHealth().maxEjectionPercent());
        EdgeStatus parts = edge;
        if (parts != null) {
            parts.addTo(balancer);
        }
        int inFlight = 0;
        int up = 0;
        for (Backend b : backends) {
            inFlight += b.inFlight();
            up += b.health() == HealthState.UP ? 1 : 0;
        }
        return balancer.setTotalRequests(pool.totals().requests()).setTotalFailures(pool.totals().failures())
                .setInFlight(inFlight)
                .setBackendsUp(up).build();
    }

    private static QueueStatus queueStatus(RequestQueue queue) {
        QueueConfig limits = queue.config();
        return QueueStatus.newBuilder()
                .setLength(queue.length())
                .setMaxSize(limits.maxSize())
                .setTimeout(ProtoValues.duration(limits.timeout()))
                .setTotalQueued(queue.totalQueued())
                .setTotalTimeouts(queue.totalTimeouts())
                .setTotalRejected(queue.totalRejected())
                .build();
    }

    private TrafficPolicy policy() {
        return queue == null ? TrafficPolicy.DEFAULT : queue.policy();
    }

    /** One backend as GetStatus shows it, with its ramp and ejection as of now. */
    private BackendStatus backendNow(Backend b) {
        Instant now = clock.instant();
        BackendStatus.Builder status = backend(b).toBuilder()
                .setSlowStartPercent(slowStartPercent(b, policy(), now));
        SlowStart.remaining(b, now, policy().slowStart())
                .ifPresent(left -> status.setSlowStartRemaining(ProtoValues.duration(left)));
        Instant until = b.ejectedUntil();
        if (until != null) {
            status.setEjectionRemaining(ProtoValues.duration(until.isAfter(now) ? Duration.between(now, until) : Duration.ZERO));
        }
        return status.build();
    }

    /** The ramp's share in percent (10 to 99), 0 when the backend is not ramping. */
    static int slowStartPercent(Backend b, TrafficPolicy policy, Instant now) {
        double share = SlowStart.share(b.enteredRotation(), now, policy.slowStart());
        return share >= 1 ? 0 : Math.min(99, (int) Math.floor(share * 100));
    }

    /** One backend as GetStatus shows it, without the parts that depend on the time. */
    static BackendStatus backend(Backend b) {
        BackendStatus.Builder status = BackendStatus.newBuilder()
                .setName(b.name())
                .setUrl(b.url().toString())
                .setHealth(ProtoValues.state(b.health()))
                .setWeight(b.weight())
                .setInFlight(b.inFlight())
                .setTotalRequests(b.totalRequests())
                .setTotalFailures(b.totalFailures())
                .setLastError(b.lastError() == null ? "" : b.lastError())
                .setConsecutiveSuccesses(b.consecutiveSuccesses())
                .setConsecutiveFailures(b.consecutiveFailures())
                .setAdminState(ProtoValues.adminState(b.adminState()))
                .setTotalChecks(b.totalChecks())
                .setTotalCheckFailures(b.totalCheckFailures())
                .setMaxConnections(b.maxConnections())
                .setEjected(b.ejected())
                .setEjectionReason(b.ejectionReason())
                .setProbation(b.onProbation())
                .setTotalEjections(b.totalEjections())
                .setStickyId(b.stickyId())
                .setSource(b.source().label());
        CheckResult check = b.lastCheck();
        if (check != null) {
            status.setLastCheck(HealthCheck.newBuilder()
                    .setTime(ProtoValues.timestamp(check.at()))
                    .setLatency(ProtoValues.duration(check.latency()))
                    .setPassed(check.healthy())
                    .setDetail(check.detail()));
        }
        b.history().forEach(e -> status.addHistory(ProtoValues.event(e)));
        return status.build();
    }
}
