package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.backend.Backend;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawHttp;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;
import dev.lb.testing.Await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backend that answers, but answers 500, is taken out by the answers alone and put back by an operator. */
class EjectionTest {

    @Test
    void aBackendAnswering500IsEjectedAndAnOperatorsEnableBringsItBack() throws Exception {
        try (ScriptedBackend failing = new ScriptedBackend(healthyButFailing());
             ScriptedBackend good = new ScriptedBackend(ScriptedBackend.ok("good"));
             Balancer balancer = TestBalancer.builder().backendUrls(List.of(failing.url(), good.url())).presumedHealthy().json("\"algorithm\": \"round-robin\", \"retries\": 0, "
                             + "\"passiveHealth\": {\"consecutive5xx\": 3, \"ejectionMs\": 600000}").startBalancer()) {
            Backend bad = balancer.pool().all().get(0);

            // when requests keep coming, the failing backend's 500s pass through until the third in a row
            int fives = 0;
            for (int i = 0; i < 20; i++) {
                fives += get(balancer).status() == 500 ? 1 : 0;
            }

            // then it was ejected after three, and the rest all went to the good one
            assertEquals(3, fives);
            assertTrue(bad.ejected());
            assertEquals("3 consecutive 5xx", bad.ejectionReason());

            // and an operator's enable ends the ejection at once
            balancer.control().enable(bad.name(), "ops");
            assertFalse(bad.ejected());
            assertTrue(balancer.pool().available().contains(bad));
        }
    }

    /** 200 to health checks, 500 to everything else: alive by every active measure. */
    private static ScriptedBackend.Responder healthyButFailing() {
        return (request, socket, out) -> {
            boolean check = request.target().startsWith("/health");
            String body = check ? "ok" : "boom";
            String head = "HTTP/1.1 " + (check ? "200 OK" : "500 Internal Server Error") + "\r\nContent-Length: "
                    + body.length() + "\r\n\r\n";
            out.write((head + body).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        };
    }

    private static RawResponse get(Balancer balancer) throws IOException {
        try (RawHttp client = new RawHttp(balancer.port())) {
            client.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
            RawResponse response = client.read("GET");
            Await.until("the request released its backend", Duration.ofSeconds(20),
                    () -> balancer.pool().all().stream().allMatch(b -> b.inFlight() == 0));
            return response;
        }
    }
}
