package dev.lb.balancer.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The buffered read side of a backend connection: response heads are parsed from its buffer line by
 * line, bodies read through it. Unlike {@link java.io.BufferedInputStream}, {@link #buffered()} never asks
 * the socket (a system call per body read): the proxy only wants to know whether bytes already arrived.
 * One thread at a time, so nothing is synchronised.
 */
final class BackendInput {
    /** The message of the {@link EOFException} for a backend that closed mid-message. */
    static final String EOF_MESSAGE = "unexpected end of stream";

    private final InputStream in;
    private final byte[] buffer;
    private int pos;
    private int limit;
    /** Bytes of the last line read, its line end included: what a limit in bytes counts. */
    private int lastLineBytes;

    BackendInput(InputStream in, int size) {
        this.in = in;
        this.buffer = new byte[size];
    }

    /** Bytes already read from the socket and not yet consumed. */
    int buffered() {
        return limit - pos;
    }

    /** Up to {@code length} bytes, at most one socket read; -1 at the end of the stream. */
    int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (pos == limit) {
            if (length >= buffer.length) {
                // Large reads go straight into the caller's array: no copy.
                return in.read(target, offset, length);
            }
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(length, limit - pos);
        System.arraycopy(buffer, pos, target, offset, n);
        pos += n;
        return n;
    }

    /**
     * One line without its LF (and CR before it), decoded as UTF-8, as the OkHttp client decodes
     * heads, so the proxy gets the same text from either client.
     *
     * @param max longest line accepted, in bytes; a longer one is a {@link ProtocolException}
     */
    String readLine(int max) throws IOException {
        byte[] partial = null;
        int partialLength = 0;
        while (true) {
            for (int i = pos; i < limit; i++) {
                if (buffer[i] == '\n') {
                    int length = i - pos;
                    if (partialLength + length > max) {
                        throw tooLong(max);
                    }
                    String line;
                    if (partial == null) {
                        line = decode(buffer, pos, length);
                    } else {
                        partial = append(partial, partialLength, buffer, pos, length);
                        line = decode(partial, 0, partialLength + length);
                    }
                    pos = i + 1;
                    lastLineBytes = partialLength + length + 1;
                    return line;
                }
            }
            int length = limit - pos;
            if (partialLength + length > max) {
                throw tooLong(max);
            }
            if (length > 0) {
                partial = append(partial == null ? new byte[Math.max(256, length * 2)] : partial,
                        partialLength, buffer, pos, length);
                partialLength += length;
                pos = limit;
            }
            if (!fill()) {
                throw new EOFException(EOF_MESSAGE);
            }
        }
    }

    /**
     * The size in bytes of the line {@link #readLine} returned last, CR and LF included. Limits are in
     * bytes, and the decoded line can be up to three times shorter in chars.
     */
    int lastLineBytes() {
        return lastLineBytes;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            pos = limit = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private static byte[] append(byte[] to, int toLength, byte[] from, int offset, int length) {
        byte[] out = toLength + length <= to.length ? to : Arrays.copyOf(to, Math.max(to.length * 2, toLength + length));
        System.arraycopy(from, offset, out, toLength, length);
        return out;
    }

    private static String decode(byte[] bytes, int offset, int length) {
        if (length > 0 && bytes[offset + length - 1] == '\r') {
            length--;
        }
        return new String(bytes, offset, length, StandardCharsets.UTF_8);
    }

    private static ProtocolException tooLong(int max) {
        return new ProtocolException("backend sent a line longer than " + max + " bytes");
    }
}
