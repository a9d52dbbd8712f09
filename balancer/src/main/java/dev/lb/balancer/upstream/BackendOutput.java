package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The buffered write side of a backend connection: a request head is assembled in its buffer and leaves
 * with the body's first bytes in one write. Unlike {@link java.io.BufferedOutputStream} it takes no lock
 * per call and writes header text without building byte arrays for ASCII. One thread at a time.
 */
final class BackendOutput extends OutputStream {
    private final OutputStream out;
    private final byte[] buffer;
    private int count;

    BackendOutput(OutputStream out, int size) {
        this.out = out;
        this.buffer = new byte[size];
    }

    /** Header text: ASCII as is; anything else as UTF-8, as the OkHttp client writes header values. */
    void writeText(String text) throws IOException {
        int length = text.length();
        if (count + length > buffer.length) {
            drain();
        }
        if (length > buffer.length) {
            write(text.getBytes(StandardCharsets.UTF_8));
            return;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                write(text.substring(i).getBytes(StandardCharsets.UTF_8));
                return;
            }
            buffer[count++] = (byte) c;
        }
    }

    void writeCrlf() throws IOException {
        if (count + 2 > buffer.length) {
            drain();
        }
        buffer[count++] = '\r';
        buffer[count++] = '\n';
    }

    @Override
    public void write(int b) throws IOException {
        if (count == buffer.length) {
            drain();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length >= buffer.length) {
            // A large body write goes out as is, after what was buffered before it.
            drain();
            out.write(bytes, offset, length);
            return;
        }
        if (count + length > buffer.length) {
            drain();
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    @Override
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (count > 0) {
            out.write(buffer, 0, count);
            count = 0;
        }
    }
}
