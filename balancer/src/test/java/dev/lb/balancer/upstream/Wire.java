package dev.lb.balancer.upstream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * The direct client's wire format for tests outside this package: a request as {@link RequestWriter}
 * puts it on a connection, and a chunked body as {@link Http1Codec} decodes it.
 */
public final class Wire {
    private static final Endpoint ENDPOINT = Endpoint.of(URI.create("http://backend.test:8001"));

    private Wire() {
    }

    /** The bytes a backend receives for {@code request}, head and body. */
    public static byte[] written(BackendRequest request) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        BackendOutput out = new BackendOutput(wire, 8192);
        RequestWriter.write(out, request, ENDPOINT);
        return wire.toByteArray();
    }

    /** The body decoded from chunked framing; an IOException when the framing is broken. */
    public static byte[] dechunked(byte[] chunked) throws IOException {
        InputStream body = Http1Codec.readingBody(new BackendInput(new ByteArrayInputStream(chunked), 8192),
                Http1Codec.State.READING_CHUNK_SIZE, 0).body();
        return body.readAllBytes();
    }

    /** As {@link #written(BackendRequest)}, for callers that cannot throw. */
    public static byte[] writtenUnchecked(BackendRequest request) {
        try {
            return written(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
