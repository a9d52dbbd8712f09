package dev.lb.balancer.upstream;

import java.io.IOException;
import java.net.ProtocolException;
import java.util.List;

/**
 * Writes a request to a plain-HTTP backend: request line, the forwarded fields, the framing fields, then
 * the body streamed from the client, and one flush at the end. The fields added here are the ones the
 * OkHttp client adds, so a backend sees the same request from either client: Content-Length or
 * Transfer-Encoding, Host when the client sent none, and Connection: keep-alive.
 */
final class RequestWriter {
    private RequestWriter() {
    }

    static void write(BackendOutput out, BackendRequest request, Endpoint endpoint) throws IOException {
        out.writeText(request.method());
        out.write(' ');
        out.writeText(request.originTarget());
        out.writeText(" HTTP/1.1");
        out.writeCrlf();
        List<String> headers = request.headers();
        for (int i = 0; i < headers.size(); i += 2) {
            field(out, headers.get(i), headers.get(i + 1));
        }
        boolean sendsBody = request.sendsBody();
        long length = sendsBody ? request.body().contentLength() : 0;
        if (sendsBody && length < 0) {
            field(out, "Transfer-Encoding", "chunked");
        } else if (sendsBody || request.announcesEmptyBody()) {
            field(out, "Content-Length", Long.toString(length));
        }
        if (!request.hasHost()) {
            field(out, "Host", endpoint.hostHeader());
        }
        field(out, "Connection", "keep-alive");
        out.writeCrlf();
        if (sendsBody) {
            writeBody(out, request.body(), length);
        }
        out.flush();
    }

    private static void writeBody(BackendOutput out, StreamingRequestBody body, long length) throws IOException {
        if (length < 0) {
            ChunkedOutputStream chunked = new ChunkedOutputStream(out);
            body.writeTo(chunked);
            chunked.finish();
            return;
        }
        long written = body.writeTo(out);
        if (written != length) {
            throw new ProtocolException("expected " + length + " bytes but received " + written);
        }
    }

    private static void field(BackendOutput out, String name, String value) throws IOException {
        out.writeText(name);
        out.write(':');
        out.write(' ');
        out.writeText(value);
        out.writeCrlf();
    }
}
