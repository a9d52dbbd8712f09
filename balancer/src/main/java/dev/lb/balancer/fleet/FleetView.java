package dev.lb.balancer.fleet;

import java.util.List;

/**
 * The fleet as one balancer sees it, for {@code lbctl status}.
 *
 * @param instance    this balancer's id in the fleet
 * @param adminPrefix the etcd prefix of fleet-wide changes
 * @param instances   the instances alive, sorted, as last seen
 * @param connected   whether the admin prefix is followed right now
 */
public record FleetView(String instance, String adminPrefix, List<String> instances, boolean connected) {
    public FleetView {
        instances = List.copyOf(instances);
    }
}
