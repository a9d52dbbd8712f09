package dev.lb.balancer.discovery;

import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.DnsTarget;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.util.Timers;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The membership sources of one balancer (DNS names, etcd) and their status. Each source runs on its
 * own thread and changes the pool only through {@link RuntimeControl#follow}, the path {@code lbctl
 * add/remove} and reloads take. With no source configured it does nothing and starts no thread.
 */
public final class Discovery implements AutoCloseable {
    private final List<SourceFollower> followers;
    private final List<AutoCloseable> running = new ArrayList<>();

    private Discovery(List<SourceFollower> followers) {
        this.followers = List.copyOf(followers);
    }

    /** A discovery that has no source, for balancers without one. */
    public static Discovery none() {
        return new Discovery(List.of());
    }

    /**
     * Starts every source the config names; each is asked at once, in the background.
     *
     * @param timers decides when DNS names are asked again (the balancer's {@code Timers})
     * @throws DiscoveryException when a source cannot even be set up (no usable resolver configuration)
     */
    public static Discovery start(BalancerConfig config, RuntimeControl control, BackendPool pool, Clock clock,
                                  Timers timers) throws DiscoveryException {
        List<SourceFollower> dnsFollowers = new ArrayList<>();
        for (DnsTarget target : config.dnsTargets()) {
            dnsFollowers.add(new SourceFollower(new BackendSource(BackendSource.Kind.DNS, target.label()), control,
                    pool, clock, true));
        }
        List<SourceFollower> all = new ArrayList<>(dnsFollowers);
        SourceFollower etcdFollower = null;
        if (config.etcd().enabled()) {
            etcdFollower = new SourceFollower(new BackendSource(BackendSource.Kind.ETCD, "etcd " + config.etcd().prefix()),
                    control, pool, clock, false);
            all.add(etcdFollower);
        }
        Discovery discovery = new Discovery(all);
        if (!config.dnsTargets().isEmpty()) {
            DnsDiscovery dns = new DnsDiscovery(config.dns(), new DnsResolver(config.dns()), timers);
            discovery.running.add(dns);
            dns.start(config.dnsTargets(), dnsFollowers);
        }
        if (etcdFollower != null) {
            EtcdDiscovery etcd = new EtcdDiscovery(config.etcd(), etcdFollower, timers);
            discovery.running.add(etcd);
            etcd.start();
        }
        return discovery;
    }

    /** Every source, in config order. */
    public List<SourceStatus> statuses() {
        return followers.stream().map(SourceFollower::status).toList();
    }

    /** Stops asking the sources; the backends they gave stay in the pool. */
    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                System.getLogger(Discovery.class.getName()).log(System.Logger.Level.WARNING,
                        "closing a discovery source failed: " + e);
            }
        }
    }
}
