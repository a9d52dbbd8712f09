package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * A backend's answer as the proxy relays it, whichever client carried the request: its head, its body
 * as a stream, and the two ways to end it.
 */
public interface BackendResponse extends AutoCloseable {
    ResponseHead head();

    /** The body, framed as the backend announced it; read it to the end for the connection to be reused. */
    InputStream body() throws IOException;

    /** Stops the exchange at once, from another point of view than the backend's: the client went away. */
    void cancel();

    /** Ends the exchange: the connection is kept only if the whole answer was read and both sides agree. */
    @Override
    void close();
}
