package dev.lb.balancer.proxy;

import okhttp3.HttpUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RequestTargetsTest {

    /**
     * The plain-HTTP client's request line carries the path and query OkHttp's request line carries for
     * the same target: OkHttp's URL parser, given the whole URL, is the reference.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/", "/a/b", "/a/../b", "/./a", "/.well-known/x", "//double//slash", "/a%2Fb", "/%7Euser",
            "/a;p=1", "/q?x=1&y=%20z", "/q?", "/q?a+b=c+d", "/é", "/q?é=ü", "/a%20b?c%20d", "/a%2e%2E/b",
            "/q?x='1'", "/q?a=b=c&&d", "/p:@!$&'()*+,;=?q:@/?", "http://other.example:9000/abs?x=1", "",
            "/a/b/..", "/a/b/.", "/..", "/../a", "/a/%2E%2e/b/", "/a/.%2e", "/a%09b", "/😀?😀",
            "*", "*?x=1", "///x", "//a//b?c"})
    void originFormIsWhatOkHttpPutOnTheRequestLine(String target) {
        URI uri = URI.create(target);

        assertEquals(okHttpOriginForm(uri), RequestTargets.originForm(uri));
    }

    /**
     * The origin form OkHttp gives the target: the URL string parsed whole, its path and query read back.
     * The path is the target's as sent ("//a//b" whole, RFC 9112 3.2.1), not what URI reads as its path.
     */
    private static String okHttpOriginForm(URI uri) {
        String sent = RequestTargets.rawPath(uri);
        String path = sent.isEmpty() ? "/" : sent;
        String base = path.startsWith("/") ? "http://127.0.0.1:8001" : "http://localhost";
        HttpUrl url = HttpUrl.get(base + path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        return url.encodedQuery() == null ? url.encodedPath() : url.encodedPath() + "?" + url.encodedQuery();
    }
}
