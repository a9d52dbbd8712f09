package dev.lb.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.function.UnaryOperator;

/**
 * A writer for one of several threads sharing stdout: each complete line is decorated (a balancer's
 * address before it) and written whole under a lock the threads share, so lines never interleave.
 */
final class LinePrefixer extends Writer {
    private final PrintWriter shared;
    /** Guards {@link #shared}: one line at a time from all the writers made with it. */
    private final Object sharedLock;
    private final UnaryOperator<String> decorate;
    /** The line being written; owned by the one thread writing through this writer. */
    private final StringBuilder line = new StringBuilder();

    LinePrefixer(PrintWriter shared, Object sharedLock, UnaryOperator<String> decorate) {
        this.shared = shared;
        this.sharedLock = sharedLock;
        this.decorate = decorate;
    }

    static PrintWriter writer(PrintWriter shared, Object sharedLock, UnaryOperator<String> decorate) {
        return new PrintWriter(new LinePrefixer(shared, sharedLock, decorate), false);
    }

    @Override
    public void write(char[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            char c = buffer[i];
            if (c == '\n') {
                synchronized (sharedLock) {
                    shared.println(decorate.apply(line.toString()));
                }
                line.setLength(0);
            } else if (c != '\r') {
                line.append(c);
            }
        }
    }

    @Override
    public void flush() {
        synchronized (sharedLock) {
            shared.flush();
        }
    }

    @Override
    public void close() {
        flush();
    }
}
