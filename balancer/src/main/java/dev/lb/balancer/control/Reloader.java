package dev.lb.balancer.control;

import dev.lb.balancer.backend.AdminState;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.HealthPolicy;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.HealthCheckConfig;
import dev.lb.balancer.config.PassiveHealthConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.health.HealthChecker;
import dev.lb.balancer.select.RequestQueue;
import dev.lb.balancer.select.TrafficPolicy;
import dev.lb.balancer.proxy.RetryBudget;
import dev.lb.balancer.upstream.BackendClient;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Applies a validated config to the running balancer: the file wins over runtime changes, settings
 * that need a restart are listed instead of applied. Nothing here can fail: everything that could be
 * wrong with a file was found when it was loaded.
 */
final class Reloader {
    private final BackendPool pool;
    private final HealthChecker healthChecker;
    private final BackendClient backendClient;
    private final RequestQueue queue;
    private final Membership membership;
    private final RetryBudget retryBudget;

    /** What a reload did, and the config now in effect. */
    record Applied(List<String> changes, List<String> needsRestart, BalancerConfig config) {
    }

    Reloader(BackendPool pool, HealthChecker healthChecker, BackendClient backendClient, RequestQueue queue,
             Membership membership, RetryBudget retryBudget) {
        this.pool = pool;
        this.healthChecker = healthChecker;
        this.backendClient = backendClient;
        this.queue = queue;
        this.membership = membership;
        this.retryBudget = retryBudget;
    }

    Applied apply(BalancerConfig current, BalancerConfig next, String actor) {
        List<String> changes = new ArrayList<>();
        List<String> needsRestart = new ArrayList<>();
        Set<URI> wanted = next.servers().stream().map(ServerConfig::url).collect(Collectors.toSet());
        for (Backend b : pool.all()) {
            // Discovered backends come and go with their source, not with the file.
            if (!wanted.contains(b.url()) && !membership.removing(b) && !b.source().discovered()) {
                changes.add("removing " + b + " (draining " + b.inFlight() + " in flight)");
                membership.startRemoval(b, actor);
            }
        }
        for (ServerConfig server : next.servers()) {
            applyServer(server, wanted, actor, changes, needsRestart);
        }
        if (!next.queue().equals(current.queue())) {
            queue.config(next.queue());
            changes.add("queue maxSize " + current.queue().maxSize() + " -> " + next.queue().maxSize() + ", timeoutMs "
                    + current.queue().timeout().toMillis() + " -> " + next.queue().timeout().toMillis());
        }
        // Raised caps open slots no request will release: hand them to the requests waiting now.
        queue.wake();
        if (!next.healthCheck().equals(current.healthCheck())) {
            HealthCheckConfig hc = next.healthCheck();
            pool.policy(new HealthPolicy(hc.healthyThreshold(), hc.unhealthyThreshold()));
            healthChecker.reconfigure(hc);
            changes.add("health checks GET " + hc.path() + " every " + hc.interval().toSeconds() + " s, timeout "
                    + hc.timeout().toMillis() + " ms, up after " + hc.healthyThreshold() + ", down after "
                    + hc.unhealthyThreshold());
        }
        if (!next.timeouts().equals(current.timeouts())) {
            backendClient.timeouts(next.timeouts());
            changes.add("timeouts connect " + next.timeouts().connect().toMillis() + " ms, read "
                    + next.timeouts().read().toMillis() + " ms");
        }
        if (!next.retryBudget().equals(current.retryBudget())) {
            retryBudget.config(next.retryBudget());
            changes.add("retryBudget " + next.retryBudget().percent() + "% of requests, at least "
                    + next.retryBudget().minPerSecond() + " per second");
        }
        policyChanges(current, next, changes);
        if (!next.drainTimeout().equals(current.drainTimeout())) {
            changes.add("drainTimeoutMs " + current.drainTimeout().toMillis() + " -> " + next.drainTimeout().toMillis());
        }
        needsRestart.addAll(RestartOnly.changed(current, next));
        return new Applied(changes, needsRestart, RestartOnly.keep(current, next));
    }

    /** Traffic policies apply from the next request on; one line for each that changed. */
    private void policyChanges(BalancerConfig current, BalancerConfig next, List<String> changes) {
        TrafficPolicy was = TrafficPolicy.of(current);
        TrafficPolicy now = TrafficPolicy.of(next);
        if (was.equals(now)) {
            return;
        }
        queue.policy(now);
        if (!was.hash().equals(now.hash())) {
            changes.add("hashOn " + now.hash().hashOn() + ", hashBalanceFactor " + now.hash().balanceFactor());
        }
        if (!was.stickyCookie().equals(now.stickyCookie())) {
            changes.add(now.stickyCookie().enabled() ? "stickyCookie " + now.stickyCookie().name() : "stickyCookie off");
        }
        if (!was.slowStart().equals(now.slowStart())) {
            changes.add("slowStartMs " + was.slowStart().toMillis() + " -> " + now.slowStart().toMillis());
        }
        if (!was.passiveHealth().equals(now.passiveHealth())) {
            PassiveHealthConfig p = now.passiveHealth();
            changes.add(p.enabled() ? "passiveHealth ejects after " + p.consecutive5xx() + " consecutive 5xx for "
                    + p.ejection().toMillis() + " ms, at most " + p.maxEjectionPercent() + "% of backends"
                    : "passiveHealth off");
        }
    }

    /** Brings one backend of the new file to what the file says, adding it if it is new. */
    private void applyServer(ServerConfig server, Set<URI> wanted, String actor,
                             List<String> changes, List<String> needsRestart) {
        Optional<Backend> found = pool.all().stream()
                .filter(b -> b.url().equals(server.url()) && !membership.removing(b)).findFirst();
        if (found.isPresent()) {
            update(found.get(), server, actor, changes, needsRestart);
            return;
        }
        Optional<Backend> keptWithName = pool.all().stream()
                .filter(b -> b.name().equals(server.name()) && wanted.contains(b.url()) && !membership.removing(b))
                .findFirst();
        if (keptWithName.isPresent()) {
            needsRestart.add("adding " + server.url() + ": its name \"" + server.name() + "\" is still used by "
                    + keptWithName.get().url());
            return;
        }
        // A backend on its way out under the same URL or name makes way for the new one at once.
        pool.all().stream()
                .filter(b -> b.url().equals(server.url()) || b.name().equals(server.name()))
                .forEach(b -> membership.drop(b, actor));
        membership.join(new Backend(new ServerConfig(server.url(), server.name(), server.weight(), false,
                server.maxConnections())), actor);
        changes.add("added " + server.name() + " (weight " + server.weight() + ")");
    }

    private void update(Backend b, ServerConfig server, String actor, List<String> changes, List<String> needsRestart) {
        if (!b.name().equals(server.name())) {
            needsRestart.add("name of " + server.url() + " \"" + b.name() + "\" -> \"" + server.name() + "\"");
        }
        if (b.weight() != server.weight()) {
            changes.add("weight of " + b.name() + " " + b.weight() + " -> " + server.weight());
            pool.weight(b, server.weight(), actor);
        }
        if (b.maxConnections() != server.maxConnections()) {
            changes.add("maxConnections of " + b.name() + " " + capLabel(b.maxConnections()) + " -> "
                    + capLabel(server.maxConnections()));
            b.maxConnections(server.maxConnections());
        }
        if (b.adminState() != AdminState.READY) {
            changes.add(b.name() + " " + b.adminState().label() + " -> ready");
            membership.makeReady(b, actor);
        }
    }

    private static String capLabel(int maxConnections) {
        return maxConnections == ServerConfig.NO_LIMIT ? "none" : Integer.toString(maxConnections);
    }
}
