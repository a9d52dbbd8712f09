package dev.lb.balancer.backend;

/** Whether a backend answers its health checks. */
public enum HealthState {
    UP,
    DOWN
}
