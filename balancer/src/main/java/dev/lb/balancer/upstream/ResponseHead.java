package dev.lb.balancer.upstream;

import java.io.IOException;
import java.net.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend's response status line and header fields, as received: names keep their case and order,
 * repeated fields stay separate. Both backend clients produce one, so the response translation
 * ({@link ResponseTranslation}) is the same whichever carried the request.
 *
 * @param code           the status code
 * @param http11         whether the backend spoke HTTP/1.1 (connections persist by default) rather than 1.0
 * @param namesAndValues name, value, name, value... with values trimmed
 */
public record ResponseHead(int code, boolean http11, String[] namesAndValues) {

    public int size() {
        return namesAndValues.length / 2;
    }

    public String name(int i) {
        return namesAndValues[2 * i];
    }

    public String value(int i) {
        return namesAndValues[2 * i + 1];
    }

    /** The last value of the named field, or null; the last one, as OkHttp's {@code header(name)} gives. */
    public String header(String name) {
        for (int i = namesAndValues.length - 2; i >= 0; i -= 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                return namesAndValues[i + 1];
            }
        }
        return null;
    }

    /** Every value of the named field, in order. */
    public List<String> values(String name) {
        List<String> values = null;
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(namesAndValues[i + 1]);
            }
        }
        return values == null ? List.of() : values;
    }

    /** Whether a {@code Connection} field names the token (say "close" or "keep-alive"). */
    public boolean connectionHas(String token) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase("Connection") && Tokens.contains(namesAndValues[i + 1], token)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #read(BackendInput, Http1Limits)} with the default limits. */
    static ResponseHead read(BackendInput in) throws IOException {
        return read(in, Http1Limits.DEFAULT);
    }

    /**
     * Reads a status line and header fields up to the empty line. Lines end in LF or CRLF. Fields are
     * split at the first colon and their values trimmed, as the OkHttp client does; a field without a colon is kept
     * with an empty name, so it is dropped later rather than failing the exchange.
     *
     * @throws ProtocolException for a malformed status line, or a head over the limits
     */
    static ResponseHead read(BackendInput in, Http1Limits limits) throws IOException {
        int budget = limits.maxHeadBytes();
        String statusLine = in.readLine(budget);
        budget -= in.lastLineBytes();
        int code = statusCode(statusLine);
        boolean http11 = statusLine.startsWith("HTTP/1.1");
        List<String> fields = new ArrayList<>(32);
        while (true) {
            String line = in.readLine(Math.max(0, budget));
            budget -= in.lastLineBytes();
            if (line.isEmpty()) {
                return new ResponseHead(code, http11, fields.toArray(new String[0]));
            }
            if (budget < 0 || fields.size() >= 2 * limits.maxHeaderFields()) {
                throw new ProtocolException("backend response head larger than " + limits.maxHeadBytes() + " bytes");
            }
            int colon = line.indexOf(':', 1);
            if (colon > 0) {
                fields.add(line.substring(0, colon));
                fields.add(line.substring(colon + 1).trim());
            } else if (line.startsWith(":")) {
                fields.add("");
                fields.add(line.substring(1).trim());
            } else {
                fields.add("");
                fields.add(line.trim());
            }
        }
    }

    /** "HTTP/1.x NNN reason", the reason optional; anything else is a broken backend. */
    private static int statusCode(String line) throws ProtocolException {
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || !isDigit(line.charAt(7)) || line.charAt(8) != ' '
                || line.length() > 12 && line.charAt(12) != ' ') {
            throw new ProtocolException("Unexpected status line: " + printable(line));
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (!isDigit(c)) {
                throw new ProtocolException("Unexpected status line: " + printable(line));
            }
            code = code * 10 + (c - '0');
        }
        return code;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String printable(String line) {
        String cut = line.length() > 80 ? line.substring(0, 80) + "..." : line;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
