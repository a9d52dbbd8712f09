package dev.lb.balancer.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One byte-exact case, read from a {@code .wire} file (format in docs/testing.md, "Wire scripts"):
 * what the client sends, what the backend receives (or that it receives nothing), what the backend
 * answers, and what the client receives (exact bytes, or just the status) and whether its connection is
 * closed afterwards.
 *
 * @param name            the file name without {@code .wire}
 * @param clientSends     the client's bytes
 * @param backendReceives the bytes the backend must receive, as a pattern; null for "nothing"
 * @param backendSends    the backend's answer, or null for a plain 200 "ok"
 * @param clientReceives  the bytes of the client's answer, as a pattern; null when only the status is checked
 * @param clientStatus    the status the client must receive, or 0 when {@code clientReceives} says it all
 * @param closed          whether the client's connection must be closed after the answer
 */
record WireScript(String name, byte[] clientSends, Pattern backendReceives, byte[] backendSends,
                  Pattern clientReceives, int clientStatus, boolean closed) {

    static final String ANY = "{*}";

    static WireScript read(Path file) throws IOException {
        String name = file.getFileName().toString().replaceFirst("\\.wire$", "");
        List<String> lines = new ArrayList<>(List.of(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the file's last line end, and blank lines after the last block
        }
        byte[] clientSends = null;
        Pattern backendReceives = null;
        byte[] backendSends = null;
        Pattern clientReceives = null;
        int clientStatus = 0;
        boolean closed = false;
        boolean backendChecked = false;
        int i = 0;
        while (i < lines.size() && (lines.get(i).startsWith("#") || lines.get(i).isBlank())) {
            i++;
        }
        while (i < lines.size()) {
            String section = lines.get(i++);
            int end = i;
            while (end < lines.size() && !isSection(lines.get(end))) {
                end++;
            }
            List<String> block = lines.subList(i, end);
            i = end;
            switch (section) {
                case "client sends:" -> clientSends = bytes(block);
                case "backend receives:" -> {
                    backendReceives = pattern(bytes(block));
                    backendChecked = true;
                }
                case "backend receives: nothing" -> backendChecked = true;
                case "backend sends:" -> backendSends = bytes(block);
                case "client receives:" -> clientReceives = pattern(bytes(block));
                case "client connection: closed" -> closed = true;
                default -> {
                    if (!section.startsWith("client receives: status ")) {
                        throw new IllegalArgumentException(file + ": unknown section \"" + section + "\"");
                    }
                    clientStatus = Integer.parseInt(section.substring("client receives: status ".length()).trim());
                }
            }
        }
        if (clientSends == null || !backendChecked || clientReceives == null && clientStatus == 0) {
            throw new IllegalArgumentException(file + ": needs \"client sends:\", \"backend receives:\" (or \"backend"
                    + " receives: nothing\") and \"client receives:\" (or \"client receives: status NNN\")");
        }
        return new WireScript(name, clientSends, backendReceives, backendSends, clientReceives, clientStatus, closed);
    }

    static boolean isSection(String line) {
        return line.equals("client sends:") || line.startsWith("backend receives:") || line.equals("backend sends:")
                || line.startsWith("client receives:") || line.equals("client connection: closed");
    }

    /** Each line ends in CRLF unless it ends in a backslash; escapes: \r \n \t \\ \xHH. */
    static byte[] bytes(List<String> block) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : block) {
            boolean lineEnd = true;
            if (line.endsWith("\\") && !line.endsWith("\\\\")) {
                line = line.substring(0, line.length() - 1);
                lineEnd = false;
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c != '\\' || i + 1 == line.length()) {
                    out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                    continue;
                }
                char next = line.charAt(++i);
                switch (next) {
                    case 'r' -> out.write('\r');
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case '\\' -> out.write('\\');
                    case 'x' -> {
                        out.write(Integer.parseInt(line.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException("unknown escape \\" + next + " in: " + line);
                }
            }
            if (lineEnd) {
                out.write('\r');
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    /** The expected bytes, where each {@value #ANY} stands for any run of bytes within one line. */
    static Pattern pattern(byte[] expected) {
        String text = new String(expected, StandardCharsets.ISO_8859_1);
        StringBuilder regex = new StringBuilder();
        int from = 0;
        for (int at = text.indexOf(ANY); at >= 0; at = text.indexOf(ANY, from)) {
            regex.append(Pattern.quote(text.substring(from, at))).append("[^\r\n]*");
            from = at + ANY.length();
        }
        regex.append(Pattern.quote(text.substring(from)));
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /** The bytes as text that shows every CR and LF, for failure messages. */
    static String shown(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n\n");
    }
}
