package dev.lb.balancer.upstream;

import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;

/**
 * Undoes the headers OkHttp adds on its own, so the backend sees the client's request: OkHttp adds
 * {@code User-Agent} and {@code Accept-Encoding: gzip} when absent, and would then transparently
 * decompress the answer, changing the response the client gets. The proxy marks a request whose
 * client sent neither with a {@link ClientHeaders} tag, and this network interceptor removes what the
 * client did not send.
 */
final class WireHeaders implements Interceptor {

    /** Which of OkHttp's default headers the client sent itself. */
    record ClientHeaders(boolean userAgent, boolean acceptEncoding) {
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        ClientHeaders sent = request.tag(ClientHeaders.class);
        if (sent == null || sent.userAgent() && sent.acceptEncoding()) {
            return chain.proceed(request);
        }
        Request.Builder wire = request.newBuilder();
        if (!sent.userAgent()) {
            wire.removeHeader("User-Agent");
        }
        if (!sent.acceptEncoding()) {
            wire.removeHeader("Accept-Encoding");
        }
        return chain.proceed(wire.build());
    }
}
