package dev.lb.balancer.upstream;

import java.util.List;

/**
 * The request to send to a backend, built once per client request and shared by every attempt,
 * whichever client carries it.
 *
 * @param method        the client's method
 * @param originTarget  path and query as they go on the request line, already in canonical form
 * @param headers       forwarded fields as name, value, name, value...: the client's end-to-end fields,
 *                      Host and the X-Forwarded ones; framing fields are added when written
 * @param hasHost       whether {@code headers} holds a Host (an HTTP/1.0 client may have sent none)
 * @param body          the client's body, or null when it sent none
 */
public record BackendRequest(String method, String originTarget, List<String> headers, boolean hasHost,
                             StreamingRequestBody body) {

    /** Whether the body goes to the backend: never with GET or HEAD, on either client. */
    boolean sendsBody() {
        return body != null && !method.equals("GET") && !method.equals("HEAD");
    }

    /**
     * Whether an empty body is announced with {@code Content-Length: 0}: these methods are defined with
     * a body, so backends always see a length, even a zero one.
     */
    boolean announcesEmptyBody() {
        return body == null && switch (method) {
            case "POST", "PUT", "PATCH", "PROPPATCH", "REPORT" -> true;
            default -> false;
        };
    }

    /** Whether the client sent the named field itself. */
    boolean hasHeader(String name) {
        for (int i = 0; i < headers.size(); i += 2) {
            if (headers.get(i).equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
