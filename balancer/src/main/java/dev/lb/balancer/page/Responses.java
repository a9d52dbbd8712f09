package dev.lb.balancer.page;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Whole responses of the status page: a body known in advance, sent with its length. */
final class Responses {
    private Responses() {
    }

    /** A plain-text answer (errors: one line naming the problem). Extra headers as name, value pairs. */
    static void text(HttpExchange exchange, int status, String line, String... headers) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", (line + "\n").getBytes(StandardCharsets.UTF_8), headers);
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body, String... headers)
            throws IOException {
        try (exchange) {
            var h = exchange.getResponseHeaders();
            h.set("Content-Type", contentType);
            h.set("Cache-Control", "no-cache");
            h.set("X-Content-Type-Options", "nosniff");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                h.set(headers[i], headers[i + 1]);
            }
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
            if (!head && body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }
}
