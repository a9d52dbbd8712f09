package dev.lb.balancer.upstream;

import dev.lb.balancer.config.BackendClientKind;
import dev.lb.balancer.config.TimeoutConfig;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class BackendClientTest {
    private static final TimeoutConfig TIMEOUTS = new TimeoutConfig(Duration.ofSeconds(5), Duration.ofSeconds(5));

    private final ScriptedBackend backend = new ScriptedBackend(ScriptedBackend.ok("hello"));

    BackendClientTest() throws IOException {
    }

    @AfterEach
    void close() throws IOException {
        backend.close();
    }

    @Test
    void plainHttpGoesThroughTheDirectClientByDefault() throws IOException {
        try (BackendClient client = BackendClient.create(TIMEOUTS, BackendClientKind.DIRECT);
             BackendResponse response = client.execute(URI.create(backend.url()), post("abc"), new Attempt(), false)) {
            assertInstanceOf(BackendExchange.class, response);
            assertEquals("hello", new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void plainHttpGoesThroughOkHttpWhenChosen() throws IOException {
        try (BackendClient client = BackendClient.create(TIMEOUTS, BackendClientKind.OKHTTP);
             BackendResponse response = client.execute(URI.create(backend.url()), post("abc"), new Attempt(), false)) {
            assertInstanceOf(OkHttpResponse.class, response);
            assertEquals("hello", new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void backendsSeeTheSameRequestWhicheverClientCarriesIt() throws IOException {
        for (BackendClientKind kind : BackendClientKind.values()) {
            try (BackendClient client = BackendClient.create(TIMEOUTS, kind);
                 BackendResponse response = client.execute(URI.create(backend.url()), post("abc"), new Attempt(), false)) {
                response.body().readAllBytes();
            }
        }

        ScriptedBackend.Recorded direct = backend.requests().get(0);
        ScriptedBackend.Recorded okHttp = backend.requests().get(1);
        assertEquals(direct.method(), okHttp.method());
        assertEquals(direct.target(), okHttp.target());
        assertEquals(direct.headers().toString().toLowerCase(), okHttp.headers().toString().toLowerCase());
        assertEquals("abc", new String(okHttp.body(), StandardCharsets.UTF_8));
        assertEquals("abc", new String(direct.body(), StandardCharsets.UTF_8));
    }

    private static BackendRequest post(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        return new BackendRequest("POST", "/upload?x=1", List.of("Host", "example.test", "X-Trace", "t1"), true,
                new StreamingRequestBody(in::read, bytes.length));
    }
}
