package dev.lb.balancer.proxy;

import okhttp3.HttpUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestTargetsTest {

    /** The plain-HTTP client's request line carries the path and query OkHttp's request line carried. */
    @ParameterizedTest
    @ValueSource(strings = {"/", "/a/b", "/a/../b", "/./a", "/.well-known/x", "//double//slash", "/a%2Fb", "/%7Euser",
            "/a;p=1", "/q?x=1&y=%20z", "/q?", "/q?a+b=c+d", "/é", "/q?é=ü", "/a%20b?c%20d", "/a%2e%2E/b",
            "/q?x='1'", "/q?a=b=c&&d", "/p:@!$&'()*+,;=?q:@/?", "http://other.example:9000/abs?x=1", ""})
    void originFormIsWhatOkHttpPutOnTheRequestLine(String target) {
        URI uri = URI.create(target);
        HttpUrl okHttp = RequestTranslation.targetUrl(HttpUrl.get("http://127.0.0.1:8001"), uri);
        String expected = okHttp.encodedQuery() == null ? okHttp.encodedPath() : okHttp.encodedPath() + "?" + okHttp.encodedQuery();

        assertEquals(expected, RequestTargets.originForm(uri));
    }
}
