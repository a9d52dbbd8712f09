package dev.lb.balancer.upstream;

import java.io.IOException;

/**
 * Reading the client's request body failed (the client went away or sent a broken body). Kept distinct
 * from backend failures so a client's fault is never counted against a backend.
 */
public final class ClientReadException extends IOException {
    ClientReadException(IOException cause) {
        super("client request body: " + cause.getMessage(), cause);
    }
}
