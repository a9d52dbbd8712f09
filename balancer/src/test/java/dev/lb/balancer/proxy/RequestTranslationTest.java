package dev.lb.balancer.proxy;

import okhttp3.HttpUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestTranslationTest {
    private static final HttpUrl BACKEND = HttpUrl.get("http://127.0.0.1:8001");

    /** The target built from the parsed base URL is the one parsing the whole URL string gave. */
    @ParameterizedTest
    @ValueSource(strings = {"/", "/a/b", "/a/../b", "/./a", "//double//slash", "/a%2Fb", "/%7Euser", "/a;p=1",
            "/q?x=1&y=%20z", "/q?", "/q?a+b=c+d", "/é", "/q?é=ü", "/a%20b?c%20d",
            "http://other.example:9000/abs?x=1", ""})
    void targetUrlIsWhatParsingTheWholeUrlGives(String target) {
        URI uri = URI.create(target);
        // Origin form: the target as sent is the path and query (RFC 9112 3.2.1), "//double//slash" too.
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String pathAndQuery = uri.getScheme() == null ? (target.isEmpty() ? "/" : target)
                : uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        HttpUrl parsed = HttpUrl.get("http://127.0.0.1:8001" + pathAndQuery);

        HttpUrl built = RequestTranslation.targetUrl(BACKEND, uri);

        assertEquals(parsed, built);
        assertEquals(parsed.encodedPath(), built.encodedPath());
        assertEquals(parsed.encodedQuery(), built.encodedQuery());
    }
}
