package dev.lb.balancer.backend;

/**
 * Told about changes to the backends: health changes, admin changes and config reloads. Called on the
 * thread that made the change (a health-check, request or admin thread), so implementations must return
 * quickly and never block; a slow consumer hands events to its own queue.
 */
@FunctionalInterface
public interface BackendListener {
    void onHealthChange(HealthEvent event);

    /** An admin change: state, weight, added, removed, drained. */
    default void onAdminChange(AdminEvent event) {
    }

    /** A config reload was attempted; see {@link ReloadOutcome#applied()}. */
    default void onReload(ReloadOutcome outcome) {
    }

    /** A backend was ejected for bad answers or came back; see {@link OutlierEvent.Kind}. */
    default void onOutlier(OutlierEvent event) {
    }

    /** A membership source started failing or answers again; see {@link SourceEvent}. */
    default void onSourceChange(SourceEvent event) {
    }
}
