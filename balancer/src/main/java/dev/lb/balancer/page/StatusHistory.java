package dev.lb.balancer.page;

import dev.lb.balancer.backend.AdminEvent;
import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendListener;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.metrics.BalancerMetrics;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The status page's memory of the recent past, which the pool and the metrics do not keep: per backend
 * a {@link HealthStrip} (fed by pool events) and a {@link RateRing} (fed by {@link #sample}, once a
 * second, from the metrics' counters), plus a ring for the whole balancer. Request threads never wait
 * for it: the rings read the counters request threads already bump, on the sampler's own thread.
 */
final class StatusHistory implements BackendListener {
    /** One backend's history; the backend's own object, so a removed and re-added name starts afresh. */
    record Tracked(Backend backend, RateRing rates, HealthStrip strip) {
    }

    private final BackendPool pool;
    private final BalancerMetrics metrics;
    private final Clock clock;
    private final double[] bounds = BalancerMetrics.latencyBounds();
    /** By backend name. Entries are added by events and samples, removed with their backend. */
    private final Map<String, Tracked> backends = new ConcurrentHashMap<>();
    private final RateRing total = new RateRing(bounds);

    StatusHistory(BackendPool pool, BalancerMetrics metrics, Clock clock) {
        this.pool = pool;
        this.metrics = metrics;
        this.clock = clock;
        Instant now = clock.instant();
        pool.all().forEach(b -> tracked(b, "at start", now));
    }

    /** Takes one reading of every backend's counters and the balancer's; called once a second. */
    void sample(Instant now) {
        List<Backend> all = pool.all();
        for (Backend b : all) {
            tracked(b, "added", now).rates().add(now, metrics.counts(b));
        }
        Set<Backend> present = Set.copyOf(all);
        backends.values().removeIf(t -> !present.contains(t.backend()));
        total.add(now, metrics.totalCounts());
    }

    RateRing total() {
        return total;
    }

    Optional<Tracked> backend(String name) {
        return Optional.ofNullable(backends.get(name));
    }

    /** Backends tracked now, for tests. */
    Set<String> names() {
        return backends.keySet().stream().collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void onHealthChange(HealthEvent event) {
        find(event.backend()).ifPresent(t -> t.strip().health(event.to(), event.reason(), event.at()));
    }

    @Override
    public void onAdminChange(AdminEvent event) {
        switch (event.change()) {
            case STATE -> find(event.backend()).ifPresent(t -> t.strip().admin(
                    AdminState.valueOf(event.to().toUpperCase(Locale.ROOT)), "by " + event.actor(), event.at()));
            case REMOVED -> backends.remove(event.backend());
            case ADDED -> pool.find(event.backend()).ifPresent(b -> tracked(b, "added by " + event.actor(), event.at()));
            case WEIGHT, DRAINED -> {
            }
        }
    }

    private Optional<Tracked> find(String name) {
        Tracked known = backends.get(name);
        return known != null ? Optional.of(known)
                : pool.find(name).map(b -> tracked(b, "first seen", clock.instant()));
    }

    private Tracked tracked(Backend b, String reason, Instant now) {
        // compute: the sampler and an event thread may meet here; one history per backend object.
        return backends.compute(b.name(), (name, known) -> known != null && known.backend() == b ? known
                : new Tracked(b, new RateRing(bounds), new HealthStrip(b.health(), b.adminState(), reason, now)));
    }
}
