package dev.lb.balancer.backend;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The set of backends and who among them may take new requests. The pool owns health state: checks and
 * passive failures are reported here, and changes are published to listeners. Request threads read
 * {@link #available()}, an immutable snapshot replaced on every change, so choosing a backend takes no
 * lock.
 */
public final class BackendPool {
    private final List<Backend> backends;
    private final HealthPolicy policy;
    private final Clock clock;
    private final List<BackendListener> listeners = new CopyOnWriteArrayList<>();
    private final Object stateLock = new Object();
    private volatile List<Backend> available;

    public BackendPool(List<Backend> backends, HealthPolicy policy, Clock clock) {
        this.backends = List.copyOf(backends);
        this.policy = policy;
        this.clock = clock;
        this.available = computeAvailable();
    }

    /** Every backend, in config order. */
    public List<Backend> all() {
        return backends;
    }

    /** Backends that may take a new request now: healthy and with a weight above 0. */
    public List<Backend> available() {
        return available;
    }

    public Optional<Backend> find(String nameOrUrl) {
        return backends.stream()
                .filter(b -> b.name().equals(nameOrUrl) || b.url().toString().equals(nameOrUrl))
                .findFirst();
    }

    public void addListener(BackendListener listener) {
        listeners.add(listener);
    }

    public void removeListener(BackendListener listener) {
        listeners.remove(listener);
    }

    /** Applies one active check result, changing state when the policy says so. */
    public void reportCheck(Backend backend, CheckResult result) {
        HealthEvent event;
        synchronized (stateLock) {
            boolean first = backend.lastCheck() == null;
            backend.recordCheck(result);
            HealthState next = policy.next(backend.health(), first,
                    backend.consecutiveSuccesses(), backend.consecutiveFailures());
            event = transition(backend, next, result.detail());
        }
        publish(event);
    }

    /**
     * A request could not reach the backend at all (connection refused or reset before any byte went
     * out): take it out of rotation now instead of waiting for the next check. Active checks bring it
     * back.
     */
    public void reportUnreachable(Backend backend, String reason) {
        HealthEvent event;
        synchronized (stateLock) {
            backend.recordUnreachable(reason);
            event = transition(backend, HealthState.DOWN, reason + " (seen by a request)");
        }
        publish(event);
    }

    private HealthEvent transition(Backend backend, HealthState next, String reason) {
        HealthState current = backend.health();
        if (next == current) {
            return null;
        }
        backend.health(next);
        available = computeAvailable();
        HealthEvent event = new HealthEvent(backend.name(), backend.url().toString(), current, next, reason, clock.instant());
        backend.recordEvent(event);
        return event;
    }

    private void publish(HealthEvent event) {
        if (event == null) {
            return;
        }
        for (BackendListener listener : listeners) {
            listener.onHealthChange(event);
        }
    }

    private List<Backend> computeAvailable() {
        return backends.stream().filter(b -> b.health() == HealthState.UP && b.weight() > 0).toList();
    }
}
