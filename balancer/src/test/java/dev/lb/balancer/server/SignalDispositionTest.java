package dev.lb.balancer.server;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.BalancerStatus;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.balancer.testing.BalancerProcess;
import dev.lb.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A balancer process started with signals already ignored, as {@code nohup} and a script's background
 * jobs start it: the JVM cannot handle those signals, so the process says so once and points to what
 * still works.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SignalDispositionTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CONFIG = "{\"host\": \"127.0.0.1\", \"port\": 0, \"adminPort\": 0, "
            + "\"healthCheckInterval\": 3600, \"servers\": [{\"url\": \"http://127.0.0.1:1\"}]}";
    private static final String NO_SIGHUP = "SIGHUP reload is unavailable in this process";

    @Test
    void underNohupTheProcessSaysSighupCannotReloadAndStatusShowsIt() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.startIgnoring("HUP", CONFIG)) {
            Await.until("the SIGHUP line", WAIT, () -> hasLine(balancer, NO_SIGHUP));

            assertTrue(line(balancer, NO_SIGHUP).contains("lbctl reload"), balancer.log().toString());
            assertFalse(status(balancer).getSighupReloadAvailable());
        }
    }

    @Test
    void startedNormallySighupReloadsAndNothingIsSaidAboutIt() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.start(CONFIG)) {
            assertTrue(status(balancer).getSighupReloadAvailable());

            balancer.terminate();
            assertEquals(0, balancer.awaitExit(WAIT));
            assertFalse(hasLine(balancer, NO_SIGHUP), balancer.log().toString());
            assertFalse(hasLine(balancer, "is ignored in this process"), balancer.log().toString());
        }
    }

    @Test
    void asAScriptsBackgroundJobTheProcessSaysCtrlCDoesNotStopItAndSigtermStillDoes() throws Exception {
        try (BalancerProcess balancer = BalancerProcess.startIgnoring("INT", CONFIG)) {
            String said = "SIGINT is ignored in this process";
            Await.until("the SIGINT line", WAIT, () -> hasLine(balancer, said));
            assertTrue(line(balancer, said).contains("stop it with SIGTERM"), balancer.log().toString());

            balancer.terminate();
            assertEquals(0, balancer.awaitExit(WAIT));
        }
    }

    private static BalancerStatus status(BalancerProcess balancer) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", balancer.adminPort()).usePlaintext().build();
        try {
            return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .getStatus(GetStatusRequest.getDefaultInstance()).getBalancer();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static boolean hasLine(BalancerProcess balancer, String text) {
        return balancer.log().stream().anyMatch(l -> l.contains(text));
    }

    private static String line(BalancerProcess balancer, String text) {
        return balancer.log().stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
    }
}
