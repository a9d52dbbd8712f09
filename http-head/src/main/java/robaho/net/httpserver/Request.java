package robaho.net.httpserver;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.Headers;

/**
 * The request-head reader of robaho's {@code httpserver}, replaced in this build by a strict one with
 * limits (RFC 9112 sections 2.2, 3 and 5).
 *
 * <p>The library's own reader has no size limit (a line grows until it ends, so one long header line
 * can exhaust the heap), trims whitespace between a field name and its colon (so {@code
 * Transfer-Encoding : chunked} frames the body as chunked where another HTTP/1.1 parser would ignore the
 * field: a request-smuggling gap), folds continuation lines and keeps bare CR and LF in names and
 * values. This class keeps the library's contract (the package-private constructor and the four
 * methods {@code ServerImpl} and {@code ExchangeImpl} call) and reads the head byte by byte from the
 * connection's buffered stream, as the original does, but:
 *
 * <ul>
 *   <li>the whole head (request line and fields) is bounded by {@link #MAX_HEAD_BYTES} and the number of
 *       fields by {@code robaho.net.httpserver.maxReqHeaders}; past either it answers {@code 414}
 *       (request line) or {@code 431} and closes;</li>
 *   <li>a field name must be a token immediately followed by the colon; a line starting with
 *       whitespace (obsolete line folding), a line without a colon, or a control character in a name
 *       or value is answered {@code 400} and the connection closed;</li>
 *   <li>every line ends with CRLF. A bare LF ends the connection without an answer, as the JDK's own
 *       server does (it never completes such a head), and a bare CR is a control character (400).</li>
 * </ul>
 *
 * <p>It refers to no other class of the library, so it compiles for Java 17 like the rest of the
 * balancer (the library itself needs Java 21 and is loaded only there). The shaded jar leaves the
 * library's own {@code Request} classes out; on a test class path this class comes first.
 *
 * <p>A rejection writes a complete answer with {@code Connection: close} and then throws an {@link
 * IOException}, on which the library's exchange loop closes the connection; nothing of the request
 * reaches a handler.
 */
final class Request {

    /** Upper bound of a request head in bytes; {@code robaho.net.httpserver.maxReqHeaderSize}, default 128 KiB. */
    static final int MAX_HEAD_BYTES = positive(Integer.getInteger("robaho.net.httpserver.maxReqHeaderSize", 128 * 1024),
            128 * 1024);
    /** Upper bound of the number of header fields; {@code robaho.net.httpserver.maxReqHeaders}, default 200. */
    static final int MAX_FIELDS = positive(Integer.getInteger("robaho.net.httpserver.maxReqHeaders", 200), 200);
    private static final int CR = '\r';
    private static final int LF = '\n';

    private final InputStream is;
    private final OutputStream os;
    private final String requestLine;
    private Headers headers;
    /** Bytes of the head read so far, against {@link #MAX_HEAD_BYTES}. */
    private int headBytes;
    /** The line being read; reused for every line of this head. */
    private final Line line = new Line();

    Request(InputStream rawInputStream, OutputStream rawout) throws IOException {
        this.is = rawInputStream;
        this.os = rawout;
        this.requestLine = readRequestLine();
    }

    public InputStream inputStream() {
        return is;
    }

    public OutputStream outputStream() {
        return os;
    }

    /** The request line, or the empty string when the connection ended before one began. */
    public String requestLine() {
        return requestLine;
    }

    Headers headers() throws IOException {
        if (headers == null) {
            headers = readFields();
        }
        return headers;
    }

    private String readRequestLine() throws IOException {
        while (true) {
            Line line = readLine(414, true);
            if (line == null) {
                return "";
            }
            if (line.length() > 0) { // RFC 9112 2.2: empty lines before the request line are ignored
                for (int i = 0; i < line.length(); i++) {
                    int c = line.at(i);
                    if (c < 0x20 || c == 0x7f) {
                        throw reject(400, "a control character in the request line");
                    }
                }
                return line.text(0, line.length());
            }
        }
    }

    private Headers readFields() throws IOException {
        Headers fields = new Headers();
        int count = 0;
        int maxFields = MAX_FIELDS;
        while (true) {
            Line line = readLine(431, false);
            if (line.length() == 0) {
                return fields;
            }
            if (++count > maxFields) {
                throw reject(431, "more than " + maxFields + " header fields");
            }
            if (isWhitespace(line.at(0))) {
                throw reject(400, "a header line starting with whitespace (obsolete line folding)");
            }
            int colon = nameEnd(line);
            if (colon < 0 || colon == 0) {
                throw reject(400, "a header line without a field name and colon");
            }
            int start = colon + 1;
            int end = line.length();
            while (start < end && isWhitespace(line.at(start))) {
                start++;
            }
            while (end > start && isWhitespace(line.at(end - 1))) {
                end--;
            }
            for (int i = start; i < end; i++) {
                int c = line.at(i);
                if ((c < 0x20 && c != '\t') || c == 0x7f) {
                    throw reject(400, "a control character in a header value");
                }
            }
            fields.add(line.text(0, colon), line.text(start, end));
        }
    }

    /** The index of the colon that ends a field name of token characters, or -1. */
    private static int nameEnd(Line line) {
        for (int i = 0; i < line.length(); i++) {
            int c = line.at(i);
            if (c == ':') {
                return i;
            }
            if (!isTokenChar(c)) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * One line without its CRLF, or null at the end of the stream before its first byte when {@code
     * endAllowed}. Past the head limit the answer is {@code tooLong}.
     */
    private Line readLine(int tooLong, boolean endAllowed) throws IOException {
        line.clear();
        while (true) {
            int c;
            try {
                c = is.read();
            } catch (IOException e) {
                if (endAllowed && line.length() == 0) {
                    return null;
                }
                throw e;
            }
            if (c < 0) {
                if (endAllowed && line.length() == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a request head");
            }
            if (++headBytes > MAX_HEAD_BYTES) {
                throw reject(tooLong, "the request head is longer than " + MAX_HEAD_BYTES + " bytes");
            }
            if (c == LF) {
                if (line.length() == 0 || line.at(line.length() - 1) != CR) {
                    throw new IOException("a bare LF in a request head: connection closed");
                }
                line.dropLast();
                return line;
            }
            line.append(c);
        }
    }

    private IOException reject(int code, String reason) throws IOException {
        String phrase = switch (code) {
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            default -> "Bad Request";
        };
        byte[] body = (code + " " + phrase + ": " + reason + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + code + " " + phrase + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        try {
            os.write(head.getBytes(StandardCharsets.ISO_8859_1));
            os.write(body);
            os.flush();
        } catch (IOException ignored) {
            // the client is gone; the connection is closed either way
        }
        return new IOException("request head rejected with " + code + ": " + reason);
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 9110 5.6.2 tchar. */
    private static boolean isTokenChar(int c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return c < 0x7f && c > 0x20 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static int positive(int value, int fallback) {
        return value > 0 ? value : fallback;
    }

    /** A growable line of ISO-8859-1 bytes. */
    private static final class Line {
        private byte[] bytes = new byte[128];
        private int length;

        void append(int c) {
            if (length == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[length++] = (byte) c;
        }

        void clear() {
            length = 0;
        }

        void dropLast() {
            length--;
        }

        int length() {
            return length;
        }

        int at(int i) {
            return bytes[i] & 0xff;
        }

        String text(int from, int to) {
            return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
        }
    }
}
