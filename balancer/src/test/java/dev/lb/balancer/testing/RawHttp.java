package dev.lb.balancer.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client connection that writes raw bytes and parses responses by hand, so tests see exactly what
 * went over the wire: header order and case, framing, and whether the connection was closed.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    public Socket socket() {
        return socket;
    }

    /** Reads the next response to a request with {@code method}; interim 1xx answers are returned too. */
    public RawResponse read(String method) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.add(Map.entry(line.substring(0, colon), line.substring(colon + 1).trim()));
        }
        RawResponse head = new RawResponse(status, headers, new byte[0], true, false);
        if (status < 200 || status == 204 || status == 304 || method.equals("HEAD")) {
            return head;
        }
        String coding = head.header("Transfer-Encoding");
        if (coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return chunked(status, headers);
        }
        String length = head.header("Content-Length");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (length != null) {
            long expected = Long.parseLong(length);
            boolean complete = copy(body, expected) == expected;
            return new RawResponse(status, headers, body.toByteArray(), complete, false);
        }
        copy(body, Long.MAX_VALUE);
        return new RawResponse(status, headers, body.toByteArray(), true, false);
    }

    private RawResponse chunked(int status, List<Map.Entry<String, String>> headers) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            if (size == null) {
                return new RawResponse(status, headers, body.toByteArray(), false, true);
            }
            int semicolon = size.indexOf(';');
            long n = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                    // trailers are not used by these tests
                }
                return new RawResponse(status, headers, body.toByteArray(), true, true);
            }
            if (copy(body, n) < n || line() == null) {
                return new RawResponse(status, headers, body.toByteArray(), false, true);
            }
        }
    }

    /** Copies up to {@code count} bytes, fewer if the connection ends; returns how many. */
    private long copy(ByteArrayOutputStream body, long count) throws IOException {
        byte[] buffer = new byte[8192];
        long copied = 0;
        while (copied < count) {
            int n;
            try {
                n = in.read(buffer, 0, (int) Math.min(buffer.length, count - copied));
            } catch (IOException e) {
                n = -1; // reset counts as the end of the connection
            }
            if (n < 0) {
                break;
            }
            body.write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    /** Reads a CRLF-terminated line, or null at the end of the stream. */
    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                b = -1;
            }
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
    }

    /** Whether the server has closed the connection (end of stream or reset) within the timeout. */
    public boolean closedWithin(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            socket.setSoTimeout(20_000);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
