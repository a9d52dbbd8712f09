package dev.lb.balancer.proxy;

import dev.lb.balancer.Balancer;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.balancer.testing.RawResponse;
import dev.lb.balancer.testing.ScriptedBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failed requests go to another backend, and how the retry budget caps them. */
class RetryTest {
    private static final byte[] BODY = "{\"order\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void anIdempotentRequestAnAcceptingBackendDroppedGoesToAnotherBackend() throws Exception {
        try (ScriptedBackend dropper = new ScriptedBackend((request, socket, out) -> socket.close());
             ScriptedBackend healthy = new ScriptedBackend(ScriptedBackend.ok("fine"))) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(dropper.url(), healthy.url())).presumedHealthy().json("\"algorithm\": \"round-robin\", \"metricsPort\": 0").startBalancer()) {
                for (String method : List.of("GET", "PUT", "DELETE", "GET")) {
                    RawResponse response = IdleClosedBackendTest.send(balancer, method, BODY);
                    assertEquals(200, response.status(), method);
                    assertEquals("fine", response.bodyText());
                }
                assertEquals(4, healthy.requests().size());
                int dropped = dropper.requests().size();
                assertTrue(dropped >= 1, "round-robin sent requests there first");
                IdleClosedBackendTest.assertContains(IdleClosedBackendTest.scrape(balancer),
                        "lb_retries_total{backend=\"" + dropper.url() + "\",reason=\"other_backend\"} " + dropped + ".0");
            }
        }
    }

    @Test
    void whenTheBudgetIsSpentTheFailureIsAnsweredAndCounted() throws Exception {
        try (ScriptedBackend dropper = new ScriptedBackend((request, socket, out) -> socket.close());
             ScriptedBackend healthy = new ScriptedBackend(ScriptedBackend.ok("fine"))) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(dropper.url(), healthy.url())).presumedHealthy().json("\"algorithm\": \"round-robin\", \"metricsPort\": 0, "
                            + "\"retryBudget\": {\"percent\": 0, \"minPerSecond\": 0}").startBalancer()) {
                List<Integer> statuses = new java.util.ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    statuses.add(IdleClosedBackendTest.send(balancer, "GET", BODY).status());
                }
                statuses.sort(null);

                assertEquals(List.of(200, 502), statuses);
                assertEquals(1, healthy.requests().size(), "the dropped GET was not retried");
                IdleClosedBackendTest.assertContains(IdleClosedBackendTest.scrape(balancer),
                        "lb_retry_budget_exhausted_total 1.0");
            }
        }
    }

    @Test
    void aRequestRefusedAtConnectMovesOnEvenWithNoBudgetLeft() throws Exception {
        try (ScriptedBackend refusing = new ScriptedBackend(ScriptedBackend.ok("never"));
             ScriptedBackend healthy = new ScriptedBackend(ScriptedBackend.ok("fine"))) {
            try (Balancer balancer = TestBalancer.builder().backendUrls(List.of(refusing.url(), healthy.url())).presumedHealthy().json("\"algorithm\": \"round-robin\", \"retryBudget\": {\"percent\": 0, \"minPerSecond\": 0}").startBalancer()) {
                refusing.close();
                for (int i = 0; i < 3; i++) {
                    RawResponse response = IdleClosedBackendTest.send(balancer, "POST", BODY);
                    assertEquals(200, response.status());
                    assertEquals("fine", response.bodyText());
                }
            }
        }
    }
}
