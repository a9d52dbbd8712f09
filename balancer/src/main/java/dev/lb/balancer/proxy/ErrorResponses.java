package dev.lb.balancer.proxy;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The balancer's own short answers: a status line and one line of text, never a stack trace. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    static int send(HttpExchange exchange, int status, String message) throws IOException {
        return send(exchange, status, message, false);
    }

    /**
     * Sends the answer; with {@code closeConnection}, the server closes the client connection after
     * it, for errors after which the rest of the connection's bytes cannot be trusted.
     *
     * @return the body bytes written, for the access log
     */
    static int send(HttpExchange exchange, int status, String message, boolean closeConnection) throws IOException {
        if (closeConnection) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        byte[] body = (status + " " + reasonPhrase(status) + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return 0;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        return body.length;
    }

    /**
     * The phrase the body starts with. The status line's phrase is chosen by the JDK's server, not by
     * this code (the API has no way to set it; sun.net.httpserver.Code.msg, the same on Java 17 and
     * 25), and for 408, 413 and 414 it is older wording than RFC 9110's. The body repeats the status
     * line's phrase so the two never disagree; where the status line has none (431), it gives RFC 9110's.
     */
    static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 408 -> "Request Time-Out";
            case 413 -> "Request Entity Too Large";
            case 414 -> "Request-URI Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }
}
