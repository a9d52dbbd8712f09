package dev.lb.balancer.backend;

/**
 * Told about backend health changes. Called on the thread that decided the change (a health-check or
 * request thread), so implementations must return quickly and never block.
 */
@FunctionalInterface
public interface BackendListener {
    void onHealthChange(HealthEvent event);
}
