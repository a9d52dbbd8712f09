package dev.lb.balancer.upstream;

import java.io.IOException;
import java.io.InputStream;

/** A backend body stream that reads in bulk; the single-byte read is there for completeness only. */
abstract class BodyInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
