package dev.lb.balancer.discovery;

import dev.lb.balancer.config.DnsConfig;
import dev.lb.balancer.config.DnsTarget;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.balancer.util.Repeating;
import dev.lb.balancer.util.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Re-resolves every DNS target on its own schedule: at the configured refresh, or sooner when the
 * answer's TTL is shorter, each query timed from the end of the one before.
 *
 * <p>Threads: the balancer's {@link Scheduler} ({@code timers-1}) only decides when a target is due;
 * the query and applying its answer happen on the {@code dns-discovery-1} thread, owned here and
 * stopped by {@link #close()}. One thread for every name, so one target's answers are applied in
 * order and queries never run in parallel against the name server; request threads never wait on it.
 */
final class DnsDiscovery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DnsDiscovery.class.getName());

    private final DnsResolver resolver;
    private final Duration refresh;
    private final Scheduler timers;
    private final ExecutorService queries =
            Executors.newSingleThreadExecutor(new NamedThreadFactory("dns-discovery", true));
    /** Each target's schedule; guarded by this. */
    private final List<Repeating> schedules = new ArrayList<>();

    DnsDiscovery(DnsConfig config, DnsResolver resolver, Scheduler timers) {
        this.resolver = resolver;
        this.refresh = config.refresh();
        this.timers = timers;
    }

    /** Resolves each target now, then again and again until closed. */
    synchronized void start(List<DnsTarget> targets, List<SourceFollower> followers) {
        for (int i = 0; i < targets.size(); i++) {
            DnsTarget target = targets.get(i);
            SourceFollower follower = followers.get(i);
            schedules.add(Repeating.withDelayFrom(timers, queries, "resolving " + target.label(), Duration.ZERO,
                    refresh, () -> refresh(target, follower)));
        }
    }

    /** Asks for one target and applies the answer; answers how long until it is asked again. */
    private Duration refresh(DnsTarget target, SourceFollower follower) {
        try {
            Answer answer = resolver.resolve(target);
            follower.answered(answer);
            return RefreshDelay.next(refresh, answer.ttl());
        } catch (DiscoveryException e) {
            follower.failed(e.getMessage());
        } catch (RuntimeException e) {
            // Not expected; the schedule survives it, and the source shows as failing meanwhile.
            LOG.log(System.Logger.Level.ERROR, "resolving " + target.label() + " failed unexpectedly", e);
            follower.failed(e.toString());
        }
        return refresh;
    }

    @Override
    public synchronized void close() {
        schedules.forEach(Repeating::cancel);
        queries.shutdownNow();
    }
}
