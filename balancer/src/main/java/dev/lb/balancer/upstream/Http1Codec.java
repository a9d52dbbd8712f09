package dev.lb.balancer.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.util.List;

/**
 * The HTTP/1.1 codec of one backend connection: writes a request, reads the final answer's head, and
 * frames the answer's body as RFC 9112 section 6.3 says (no body for HEAD, 1xx, 204 and 304; chunked;
 * Content-Length; else until the backend closes). Where the connection stands is one {@link State},
 * and each step checks it: a request goes out only from {@link State#IDLE}, and a connection is fit
 * for another request only once its answer was read to the end ({@link State#BODY_READ}). Every bound
 * on what the backend may send is in {@link Http1Limits}; going past one is a {@link ProtocolException}.
 *
 * <p>Chunked bodies (section 7.1): chunk extensions are ignored, trailer fields read and dropped (the
 * client gets its own chunked framing, without them). A fixed-length body that ends early is an
 * {@link EOFException}, so a truncated answer is never passed off as complete.
 *
 * <p>One exchange at a time, driven by the request thread that owns it. Only {@link #closed()} may
 * come from another thread (a cancel); the state it leaves is final.
 */
final class Http1Codec {
    /** Where the connection stands in its current exchange. */
    enum State {
        /** Ready for a request: a new connection, or one back from the pool. */
        IDLE,
        /** The request head and body are going out. */
        WRITING_REQUEST,
        /** Reading the status line and header fields; interim (1xx) answers are skipped. */
        READING_HEAD,
        /** A Content-Length body, {@code remaining} bytes of it left. */
        READING_FIXED_LENGTH,
        /** A body that ends when the backend closes the connection. */
        READING_UNTIL_CLOSE,
        /** Reading a chunk-size line. */
        READING_CHUNK_SIZE,
        /** A chunk's data, {@code remaining} bytes of it left. */
        READING_CHUNK_DATA,
        /** Reading the CRLF after a chunk's data. */
        READING_CHUNK_END,
        /** Reading (and dropping) the trailer section after the last chunk. */
        READING_TRAILERS,
        /** The whole answer was read at its framing: the connection may carry another request. */
        BODY_READ,
        /** The body ended with the connection: nothing is left to reuse. */
        ENDED_BY_CLOSE,
        /** A step failed, the answer was refused, or the connection was closed: never reused. */
        CLOSED
    }

    private final BackendInput in;
    private final BackendOutput out;
    private final Http1Limits limits;
    /** Written by the owning thread at each step, and by {@link #closed()} from any thread. */
    private volatile State state = State.IDLE;
    /** Bytes left in a fixed-length body or in the current chunk. */
    private long remaining;

    Http1Codec(BackendInput in, BackendOutput out, Http1Limits limits) {
        this.in = in;
        this.out = out;
        this.limits = limits;
    }

    /** A codec positioned at a body of the given framing, for reading a body alone. */
    static Http1Codec readingBody(BackendInput in, State framing, long length) {
        Http1Codec codec = new Http1Codec(in, null, Http1Limits.DEFAULT);
        codec.remaining = length;
        codec.state = framing == State.READING_FIXED_LENGTH && length == 0 ? State.BODY_READ : framing;
        return codec;
    }

    State state() {
        return state;
    }

    Http1Limits limits() {
        return limits;
    }

    /** Writes the request, head and body, and flushes it. */
    void writeRequest(BackendRequest request, Endpoint endpoint) throws IOException {
        expect(State.IDLE);
        state = State.WRITING_REQUEST;
        try {
            RequestWriter.write(out, request, endpoint);
        } catch (IOException | RuntimeException e) {
            state = State.CLOSED;
            throw e;
        }
        state = State.READING_HEAD;
    }

    /**
     * Reads the final answer's head, skipping interim answers (100 Continue, 102, 103...); 101 is final,
     * and the proxy refuses it. Marks the attempt's response as started once a whole head was read: a
     * pooled connection that yields only the leftovers of an earlier, broken answer before closing is
     * still a stale one. Then frames the body for {@code method}'s answer.
     */
    ResponseHead readResponse(String method, Attempt attempt) throws IOException {
        expect(State.READING_HEAD);
        try {
            ResponseHead head = finalHead(attempt);
            state = framing(method, head);
            return head;
        } catch (IOException | RuntimeException e) {
            state = State.CLOSED;
            throw e;
        }
    }

    private ResponseHead finalHead(Attempt attempt) throws IOException {
        for (int interim = 0; interim <= limits.maxInterimAnswers(); interim++) {
            ResponseHead head = ResponseHead.read(in, limits);
            attempt.responseStart();
            if (head.code() >= 200 || head.code() == 101) {
                return head;
            }
        }
        // Each head is bounded, but a backend must not keep a thread with an endless stream of them.
        throw new ProtocolException("backend sent more than " + limits.maxInterimAnswers() + " interim (1xx) answers");
    }

    /** The state the body starts in; {@link State#CLOSED} for an invalid Content-Length (the proxy answers 502). */
    private State framing(String method, ResponseHead head) {
        int code = head.code();
        if (method.equals("HEAD") || code < 200 || code == 204 || code == 304) {
            return State.BODY_READ;
        }
        List<String> codings = head.values("Transfer-Encoding");
        if (!codings.isEmpty()) {
            // Transfer-Encoding overrides Content-Length; a final coding other than chunked leaves only
            // the connection's end to mark the body's end.
            return Tokens.last(codings.get(codings.size() - 1)).equalsIgnoreCase("chunked")
                    ? State.READING_CHUNK_SIZE : State.READING_UNTIL_CLOSE;
        }
        String length;
        try {
            length = ContentLength.single(head.values("Content-Length"));
        } catch (NumberFormatException differing) {
            return State.CLOSED;
        }
        if (length == null) {
            return State.READING_UNTIL_CLOSE;
        }
        if (!ContentLength.isValid(length)) {
            return State.CLOSED;
        }
        remaining = ContentLength.parse(length);
        return remaining == 0 ? State.BODY_READ : State.READING_FIXED_LENGTH;
    }

    /** The answer's body as a stream; reading it drives the body states. */
    InputStream body() {
        return new Body();
    }

    /** The answer was read to its end and the connection goes back to the pool: ready for the next request. */
    void reset() {
        expect(State.BODY_READ);
        state = State.IDLE;
    }

    /** The connection was closed: by a cancel, a failure, or because it is not to be reused. */
    void closed() {
        state = State.CLOSED;
    }

    private void expect(State wanted) {
        State now = state;
        if (now != wanted) {
            throw new IllegalStateException("backend connection is " + now + ", not " + wanted);
        }
    }

    private int readBody(byte[] buffer, int offset, int length) throws IOException {
        try {
            while (true) {
                switch (state) {
                    case BODY_READ, ENDED_BY_CLOSE:
                        return -1;
                    case READING_FIXED_LENGTH:
                        return readFixedLength(buffer, offset, length);
                    case READING_UNTIL_CLOSE:
                        return readUntilClose(buffer, offset, length);
                    case READING_CHUNK_SIZE:
                        remaining = chunkSize();
                        state = remaining == 0 ? State.READING_TRAILERS : State.READING_CHUNK_DATA;
                        break;
                    case READING_CHUNK_DATA:
                        return readChunkData(buffer, offset, length);
                    case READING_CHUNK_END:
                        if (!in.readLine(1).isEmpty()) {
                            throw new ProtocolException("chunk not followed by CRLF");
                        }
                        state = State.READING_CHUNK_SIZE;
                        break;
                    case READING_TRAILERS:
                        skipTrailers();
                        state = State.BODY_READ;
                        return -1;
                    default:
                        throw new IOException("backend connection is " + state + ": no body to read");
                }
            }
        } catch (IOException | RuntimeException e) {
            state = State.CLOSED;
            throw e;
        }
    }

    private int readFixedLength(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new EOFException(BackendInput.EOF_MESSAGE);
        }
        remaining -= n;
        if (remaining == 0) {
            state = State.BODY_READ;
        }
        return n;
    }

    private int readUntilClose(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n < 0) {
            state = State.ENDED_BY_CLOSE;
        }
        return n;
    }

    private int readChunkData(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, (int) Math.min(length, remaining));
        if (n < 0) {
            throw new ProtocolException(BackendInput.EOF_MESSAGE + " inside a chunk");
        }
        remaining -= n;
        if (remaining == 0) {
            state = State.READING_CHUNK_END;
        }
        return n;
    }

    /** Bytes of the body already buffered: never beyond the current chunk or the announced length. */
    private int availableBody() {
        return switch (state) {
            case READING_FIXED_LENGTH, READING_CHUNK_DATA -> (int) Math.min(in.buffered(), remaining);
            case READING_UNTIL_CLOSE -> in.buffered();
            default -> 0;
        };
    }

    /**
     * ASCII hex digits, then optional spaces or tabs and ";extensions", which are ignored (RFC 9112
     * section 7.1). Nothing else: a parser that also took other Unicode digits or a stray CR or NUL
     * here would find a chunk boundary where the backend's framing has none.
     */
    private long chunkSize() throws IOException {
        String line = in.readLine(limits.maxChunkSizeLine());
        long size = 0;
        int digits = 0;
        int i = 0;
        for (; i < line.length(); i++) {
            int digit = hexDigit(line.charAt(i));
            if (digit < 0) {
                break;
            }
            if (++digits > 15) {
                throw new ProtocolException("chunk size too large: " + shortened(line));
            }
            size = size * 16 + digit;
        }
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        if (digits == 0 || i < line.length() && line.charAt(i) != ';') {
            throw new ProtocolException("expected chunk size and optional extensions but was \"" + shortened(line) + "\"");
        }
        return size;
    }

    /** The value of an ASCII hex digit, or -1 ({@link Character#digit} also takes other scripts' digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private void skipTrailers() throws IOException {
        int max = limits.maxTrailerBytes();
        int budget = max;
        while (true) {
            String line = in.readLine(budget);
            if (line.isEmpty()) {
                return;
            }
            budget -= in.lastLineBytes();
            if (budget < 0) {
                throw new ProtocolException("chunked trailers larger than " + max + " bytes");
            }
        }
    }

    private static String shortened(String line) {
        return line.length() > 40 ? line.substring(0, 40) + "..." : line;
    }

    /** The body as the proxy reads it: each read is one step of the codec. */
    private final class Body extends BodyInputStream {
        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                State now = state;
                return now == State.BODY_READ || now == State.ENDED_BY_CLOSE ? -1 : 0;
            }
            return readBody(buffer, offset, length);
        }

        @Override
        public int available() {
            return availableBody();
        }
    }
}
