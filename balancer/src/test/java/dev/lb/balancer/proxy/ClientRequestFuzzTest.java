package dev.lb.balancer.proxy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.net.httpserver.Headers;
import dev.lb.balancer.upstream.BackendRequest;
import dev.lb.balancer.upstream.StreamingRequestBody;
import dev.lb.balancer.upstream.Wire;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything the balancer decides from a client's request head, under any head a server may hand it:
 * the validator ({@link RequestValidator}), the hop-by-hop rules ({@link HopByHop}), the translation
 * ({@link RequestTranslation}, {@link RequestTargets}) and the direct client's writer. The properties:
 * a request the validator refuses gets a 4xx/5xx status the proxy answers before any backend (400, 414,
 * 431, 501 or 505) and a one-line reason; a request it accepts reaches the backend as one well-formed
 * HTTP/1.1 head with exactly one framing (or none, without a body), one Host, none of the client's
 * hop-by-hop fields, and the client's body bytes unchanged.
 *
 * <p>The fuzzer's bytes are a raw request ({@code METHOD SP TARGET SP VERSION CRLF fields CRLF CRLF body}),
 * cut into the parts a server hands on as the JDK's does: lines at CRLF, names at the first colon,
 * values trimmed. What no server would hand on (a request line that is not three parts, a target that
 * is not a URI, a field the {@link Headers} class refuses) is skipped: that is the server's decision.
 * Replayed over {@code ClientRequestFuzzTestInputs} by every build; fuzzed by {@code bench/fuzz.sh}.
 */
class ClientRequestFuzzTest {
    private static final Set<Integer> REFUSALS = Set.of(400, 414, 431, 501, 505);
    private static final String STICKY_COOKIE = "lb_sticky";
    private static final String ID_HEADER = "X-Request-Id";
    private static final String REQUEST_ID = "req-fuzz-1";
    /** Bodies longer than this are not generated: the properties are the same, the run is not. */
    private static final long MAX_BODY = 256 * 1024;

    private final RequestValidator validator = new RequestValidator(RequestValidator.Limits.DEFAULT);

    @FuzzTest
    void anAcceptedRequestIsForwardedWithExactlyOneFramingAndARefusedOneIsAnswered(byte[] bytes) throws IOException {
        Optional<ClientRequest> parsed = ClientRequest.parse(bytes);
        if (parsed.isEmpty()) {
            return;
        }
        ClientRequest client = parsed.get();
        FakeExchange exchange = new FakeExchange(client.method, client.target, client.protocol, client.headers);

        Optional<ProxyException> refusal = validator.check(exchange);
        if (refusal.isPresent()) {
            assertTrue(REFUSALS.contains(refusal.get().status()), "refused with " + refusal.get().status());
            assertFalse(refusal.get().getMessage().contains("\n"), "one-line reason");
            return;
        }
        StreamingRequestBody body = RequestTranslation.body(exchange, null, client.bodyStream());
        if (body != null && body.contentLength() > MAX_BODY) {
            return;
        }
        BackendRequest forwarded = RequestTranslation.toBackendRequest(exchange, body, STICKY_COOKIE, ID_HEADER, REQUEST_ID);
        byte[] wire = Wire.written(forwarded);
        assertForwardedOnce(client, forwarded, wire);
    }

    /** Any target a server hands on becomes an origin-form target of visible ASCII, and stays as it is when parsed again. */
    @FuzzTest
    void theForwardedTargetIsCanonicalAndStable(byte[] bytes) {
        URI target;
        try {
            target = new URI(new String(bytes, StandardCharsets.ISO_8859_1));
        } catch (URISyntaxException notATarget) {
            return;
        }
        boolean absolute = target.getScheme() != null;
        if (!absolute && !RequestTargets.rawPath(target).startsWith("/")
                || absolute && !target.getScheme().equalsIgnoreCase("http") && !target.getScheme().equalsIgnoreCase("https")) {
            return; // refused by the validator (400): neither origin nor http(s) absolute form
        }
        String origin = RequestTargets.originForm(target);
        for (int i = 0; i < origin.length(); i++) {
            char c = origin.charAt(i);
            assertTrue(c > 0x20 && c < 0x7f, "character " + (int) c + " in forwarded target " + origin);
        }
        assertTrue(origin.startsWith("/"), "origin form: " + origin);
        URI again;
        try {
            again = new URI(origin);
        } catch (URISyntaxException notParsedAgain) {
            return; // "//" alone: a server refuses it as a request target, so it never comes back
        }
        assertEquals(origin, RequestTargets.originForm(again), "canonical form is stable");
    }

    private static void assertForwardedOnce(ClientRequest client, BackendRequest forwarded, byte[] wire) throws IOException {
        int headEnd = indexOf(wire, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(headEnd > 0, "a complete head");
        String head = new String(wire, 0, headEnd, StandardCharsets.ISO_8859_1);
        List<String> lines = List.of(head.split("\r\n", -1));

        String[] requestLine = lines.get(0).split(" ", -1);
        assertEquals(3, requestLine.length, "request line " + lines.get(0));
        assertEquals(client.method, requestLine[0]);
        assertEquals("HTTP/1.1", requestLine[2]);
        assertTrue(requestLine[1].startsWith("/") && requestLine[1].chars().allMatch(c -> c > 0x20 && c < 0x7f),
                "target " + requestLine[1]);

        int expectedFields = forwarded.headers().size() / 2 + 1 // Connection: keep-alive
                + (forwarded.hasHost() ? 0 : 1)
                + (sendsBody(forwarded) || announcesEmptyBody(forwarded) ? 1 : 0);
        assertEquals(expectedFields, lines.size() - 1, "one line per field: nothing injected\n" + head);

        Set<String> hopByHop = HopByHop.namesFor(client.headers.get("Connection"));
        List<String> lengths = new ArrayList<>();
        List<String> codings = new ArrayList<>();
        int hosts = 0;
        int ids = 0;
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            assertTrue(colon > 0, "field line " + line);
            String name = line.substring(0, colon);
            assertTrue(CharClass.TOKEN.matchesAll(name), "field name " + name);
            assertTrue(line.startsWith(": ", colon), "one space after the colon: " + line);
            String value = line.substring(colon + 2);
            assertTrue(value.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f), "control character in " + line);
            String lower = name.toLowerCase(Locale.ROOT);
            switch (lower) {
                case "content-length" -> lengths.add(value);
                case "transfer-encoding" -> codings.add(value);
                case "host" -> hosts++;
                case "connection" -> assertEquals("keep-alive", value, "only the balancer's own Connection");
                default -> {
                    assertFalse(hopByHop.contains(lower), "hop-by-hop field forwarded: " + line);
                    assertFalse(lower.equals("expect"), "Expect is answered by the balancer, not forwarded");
                }
            }
            if (lower.equals(ID_HEADER.toLowerCase(Locale.ROOT))) {
                ids++;
                assertEquals(REQUEST_ID, value);
            }
            if (lower.equals("cookie")) {
                for (String pair : value.split(";")) {
                    String cookie = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                    assertFalse(cookie.trim().equals(STICKY_COOKIE), "the balancer's cookie is not forwarded: " + line);
                }
            }
        }
        assertEquals(1, hosts, "exactly one Host\n" + head);
        assertEquals(1, ids, "exactly one request ID");
        assertTrue(lengths.size() + codings.size() <= 1, "at most one framing field\n" + head);

        byte[] sent = Arrays.copyOfRange(wire, headEnd + 4, wire.length);
        if (!sendsBody(forwarded)) {
            assertEquals(0, sent.length, "no body without a framing");
            return;
        }
        assertEquals(1, lengths.size() + codings.size(), "a body has exactly one framing\n" + head);
        byte[] expected = client.body(forwarded.body().contentLength());
        if (codings.isEmpty()) {
            assertEquals(Long.toString(expected.length), lengths.get(0));
            assertArrayEquals(expected, sent);
        } else {
            assertEquals("chunked", codings.get(0));
            assertArrayEquals(expected, Wire.dechunked(sent));
        }
    }

    private static boolean sendsBody(BackendRequest request) {
        return request.body() != null && !request.method().equals("GET") && !request.method().equals("HEAD");
    }

    private static boolean announcesEmptyBody(BackendRequest request) {
        return request.body() == null && Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT").contains(request.method());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A raw request cut into the parts a server hands to the proxy. */
    private static final class ClientRequest {
        final String method;
        final URI target;
        final String protocol;
        final Headers headers;
        /** What follows the head: the body the server would hand on (already de-chunked, for a chunked one). */
        final byte[] rest;

        private ClientRequest(String method, URI target, String protocol, Headers headers, byte[] rest) {
            this.method = method;
            this.target = target;
            this.protocol = protocol;
            this.headers = headers;
            this.rest = rest;
        }

        static Optional<ClientRequest> parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            byte[] rest = end < 0 ? new byte[0] : Arrays.copyOfRange(bytes, end + 4, bytes.length);
            String[] lines = head.split("\r\n", -1);
            String[] requestLine = lines[0].split(" ", -1);
            if (requestLine.length != 3 || requestLine[0].isEmpty()) {
                return Optional.empty();
            }
            URI target;
            try {
                target = new URI(requestLine[1]);
            } catch (URISyntaxException e) {
                return Optional.empty();
            }
            Headers headers = new Headers();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    return Optional.empty();
                }
                try {
                    headers.add(lines[i].substring(0, colon), lines[i].substring(colon + 1).trim());
                } catch (IllegalArgumentException refusedByTheServer) {
                    return Optional.empty();
                }
            }
            return Optional.of(new ClientRequest(requestLine[0], target, requestLine[2], headers, rest));
        }

        /** The body as the server streams it: the bytes after the head, cut or padded to a Content-Length. */
        InputStream bodyStream() {
            String length = headers.getFirst("Content-Length");
            if (headers.containsKey("Transfer-Encoding") || length == null) {
                return new ByteArrayInputStream(rest);
            }
            long n = Long.parseLong(length.trim());
            return n > MAX_BODY ? InputStream.nullInputStream() : new ByteArrayInputStream(body(n));
        }

        byte[] body(long contentLength) {
            return contentLength < 0 ? rest : Arrays.copyOf(rest, (int) contentLength);
        }
    }
}
