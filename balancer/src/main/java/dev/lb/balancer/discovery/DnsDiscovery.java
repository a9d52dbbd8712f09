package dev.lb.balancer.discovery;

import dev.lb.balancer.config.DnsConfig;
import dev.lb.balancer.config.DnsTarget;
import dev.lb.balancer.util.NamedThreadFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Re-resolves every DNS target on its own schedule: at the configured refresh, or sooner when the
 * answer's TTL is shorter. Owns the {@code dns-discovery} thread, which does every query and applies
 * every answer, so one target's answers are applied in order; request threads never wait on it.
 */
final class DnsDiscovery implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DnsDiscovery.class.getName());

    private final DnsResolver resolver;
    private final Duration refresh;
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(new NamedThreadFactory("dns-discovery", true));

    DnsDiscovery(DnsConfig config, DnsResolver resolver) {
        this.resolver = resolver;
        this.refresh = config.refresh();
    }

    /** Resolves each target now, then again and again until closed. */
    void start(List<DnsTarget> targets, List<SourceFollower> followers) {
        for (int i = 0; i < targets.size(); i++) {
            DnsTarget target = targets.get(i);
            SourceFollower follower = followers.get(i);
            executor.execute(() -> refresh(target, follower));
        }
    }

    private void refresh(DnsTarget target, SourceFollower follower) {
        Duration next = refresh;
        try {
            Answer answer = resolver.resolve(target);
            follower.answered(answer);
            next = RefreshDelay.next(refresh, answer.ttl());
        } catch (DiscoveryException e) {
            follower.failed(e.getMessage());
        } catch (RuntimeException e) {
            // Not expected; the schedule must survive it, or the name would never be asked again.
            LOG.log(System.Logger.Level.ERROR, "resolving " + target.label() + " failed unexpectedly", e);
            follower.failed(e.toString());
        }
        if (!executor.isShutdown()) {
            executor.schedule(() -> refresh(target, follower), next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
