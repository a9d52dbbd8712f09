package robaho.net.httpserver;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.net.httpserver.Headers;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The strict request-head reader under any bytes a client may send: a head it accepts is within its
 * documented limits and holds only what RFC 9112 allows (token names, values without control
 * characters, a request line without them); a head it refuses gets one complete answer (400, 414 or 431
 * with {@code Connection: close}) or none at all (a bare LF, a head cut short), and an IOException.
 * Replayed over {@code RequestHeadFuzzTestInputs} by every build; fuzzed by {@code bench/fuzz.sh}.
 */
class RequestHeadFuzzTest {

    @FuzzTest
    void aHeadIsAcceptedWithinItsLimitsOrRefusedWithOneAnswer(byte[] bytes) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        Request request;
        Headers fields;
        try {
            request = new Request(in, answer);
            if (request.requestLine().isEmpty()) {
                assertEquals(0, answer.size(), "no answer to a connection that sent no request");
                return;
            }
            fields = request.headers();
        } catch (IOException refused) {
            assertRefusal(answer.toString(StandardCharsets.ISO_8859_1), refused);
            return;
        }
        assertEquals(0, answer.size(), "an accepted head is not answered by the reader");
        int consumed = bytes.length - in.available();
        assertTrue(consumed <= Request.MAX_HEAD_BYTES, "head of " + consumed + " bytes accepted");
        assertAcceptable(request.requestLine(), fields);
    }

    private static void assertAcceptable(String requestLine, Headers fields) {
        for (int i = 0; i < requestLine.length(); i++) {
            char c = requestLine.charAt(i);
            assertTrue(c >= 0x20 && c != 0x7f, "control character in the request line");
        }
        int count = 0;
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            String name = field.getKey();
            assertTrue(!name.isEmpty() && name.chars().allMatch(RequestHeadFuzzTest::isTokenChar), "name " + name);
            for (String value : field.getValue()) {
                count++;
                assertTrue(value.chars().noneMatch(c -> c < 0x20 && c != '\t' || c == 0x7f), "control character in " + name);
                assertTrue(value.isEmpty() || !isWhitespace(value.charAt(0)) && !isWhitespace(value.charAt(value.length() - 1)),
                        "value of " + name + " not trimmed");
            }
        }
        assertTrue(count <= Request.MAX_FIELDS, count + " fields accepted");
    }

    private static void assertRefusal(String answer, IOException refused) {
        if (answer.isEmpty()) {
            return; // a bare LF or a head cut short: closed without an answer
        }
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n") || answer.startsWith("HTTP/1.1 414 URI Too Long\r\n")
                || answer.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer);
        assertTrue(answer.contains("\r\nConnection: close\r\n\r\n"), answer);
        int bodyStart = answer.indexOf("\r\n\r\n") + 4;
        String length = answer.replaceAll("(?s).*\r\nContent-Length: (\\d+)\r\n.*", "$1");
        assertEquals(Integer.parseInt(length), answer.substring(bodyStart).getBytes(StandardCharsets.ISO_8859_1).length,
                "the answer is complete and framed");
        if (refused.getMessage() == null || !refused.getMessage().startsWith("request head rejected with ")) {
            fail("an answered refusal ends in its own IOException, not " + refused);
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isTokenChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c < 0x7f && c > 0x20 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
