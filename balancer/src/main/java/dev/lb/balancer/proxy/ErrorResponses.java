package dev.lb.balancer.proxy;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The balancer's own short answers: a status line and one line of text, never a stack trace. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    static void send(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, message, false);
    }

    /**
     * Sends the answer; with {@code closeConnection}, the server closes the client connection after
     * it, for errors after which the rest of the connection's bytes cannot be trusted.
     */
    static void send(HttpExchange exchange, int status, String message, boolean closeConnection) throws IOException {
        if (closeConnection) {
            exchange.getResponseHeaders().set("Connection", "close");
        }
        byte[] body = (status + " " + reasonPhrase(status) + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
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
