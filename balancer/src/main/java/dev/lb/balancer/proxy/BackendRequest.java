package dev.lb.balancer.proxy;

import java.net.URI;
import java.util.List;

/**
 * The request to send to a backend, built once per client request and shared by every attempt.
 *
 * @param method         the client's method
 * @param clientTarget   the client's request target
 * @param originTarget   path and query as they go on the request line
 * @param headers        forwarded fields as name, value, name, value...: the client's end-to-end fields,
 *                       Host and the X-Forwarded ones; framing fields are added when written
 * @param hasHost        whether {@code headers} holds a Host (an HTTP/1.0 client may have sent none)
 * @param clientHeaders  which of OkHttp's default fields the client sent itself
 * @param body           the client's body, or null when it sent none
 */
record BackendRequest(String method, URI clientTarget, String originTarget, List<String> headers, boolean hasHost,
                      WireHeaders.ClientHeaders clientHeaders, StreamingRequestBody body) {

    /** Whether the body goes to the backend: never with GET or HEAD, as OkHttp could not send one. */
    boolean sendsBody() {
        return body != null && !method.equals("GET") && !method.equals("HEAD");
    }

    /**
     * Whether an empty body is announced with {@code Content-Length: 0}: OkHttp insisted these methods
     * carry a body, so that is what backends saw.
     */
    boolean announcesEmptyBody() {
        return body == null && switch (method) {
            case "POST", "PUT", "PATCH", "PROPPATCH", "REPORT" -> true;
            default -> false;
        };
    }
}
