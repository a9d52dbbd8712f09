package dev.lb.balancer.proxy;

import okhttp3.Call;
import okhttp3.EventListener;

/**
 * Observes one attempt to send a request to a backend, to tell whether the request left the balancer.
 * A failure before the request headers were written (connect refused, connect timeout) is safe to
 * retry on another backend, whatever the method.
 */
final class Attempt extends EventListener {
    private volatile boolean requestSent;

    @Override
    public void requestHeadersStart(Call call) {
        requestSent = true;
    }

    boolean requestSent() {
        return requestSent;
    }
}
