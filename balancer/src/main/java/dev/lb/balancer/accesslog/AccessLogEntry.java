package dev.lb.balancer.accesslog;

import java.time.Instant;

/**
 * One finished exchange, as the access log writes it. Built on the request thread from values it
 * already has; formatted later on the log's own thread.
 *
 * @param time          when the request arrived
 * @param client        the client's address
 * @param method        the request method as sent
 * @param target        the request target, path with query, as sent
 * @param protocol      e.g. "HTTP/1.1"
 * @param status        the status sent to the client, 0 when none could be sent
 * @param bytesIn       request body bytes read from the client
 * @param bytesOut      response body bytes written to the client
 * @param durationNanos from arrival to the end of the answer
 * @param backend       the backend of the last attempt, by name; empty when none was tried
 * @param backendNanos  the last attempt's time, from sending to the end of its answer; -1 when none
 * @param retries       how many times the request was sent again
 * @param requestId     the request's ID; empty when IDs are off
 * @param userAgent     the client's User-Agent; empty when absent
 * @param referer       the client's Referer; empty when absent
 * @param error         a short word for a failure ({@code timeout}, {@code refused}, {@code client-abort}, ...); empty when none
 */
public record AccessLogEntry(Instant time, String client, String method, String target, String protocol, int status,
                             long bytesIn, long bytesOut, long durationNanos, String backend, long backendNanos,
                             int retries, String requestId, String userAgent, String referer, String error) {
}
