package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.balancer.Balancer;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.config.ConfigLoader;
import dev.lb.balancer.testing.TestBalancer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin server on a real loopback socket: what grpcurl and health probes see. */
class AdminServerTest {
    private static final String ONE_CHECK = "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + "}";

    @Test
    void servesStatusHealthAndReflectionOnTheAdminPort() throws Exception {
        try (TestBalancer f = TestBalancer.builder().backends(1).json(ONE_CHECK).start()) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", f.balancer().adminPort()).usePlaintext().build();
            try {
                assertEquals(1, AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getStatus(GetStatusRequest.getDefaultInstance()).getBackendsCount());

                var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                        health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
                assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                        health.check(HealthCheckRequest.newBuilder().setService(AdminServiceGrpc.SERVICE_NAME).build()).getStatus());

                List<String> services = listServices(channel);
                assertTrue(services.contains("lb.admin.v1.AdminService"), services.toString());
                assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
                assertTrue(services.contains("grpc.reflection.v1.ServerReflection"), services.toString());
                assertTrue(services.contains("grpc.reflection.v1alpha.ServerReflection"), services.toString());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aBusyAdminPortStopsStartupWithOneLineNamingThePortAndTheFix() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Balancer balancer = new Balancer(ConfigLoader.parse("{\"port\": 0, \"adminPort\": " + port
                    + ", \"servers\": [{\"url\": \"http://127.0.0.1:1\"}]}", "test-config"));

            StartupException e = assertThrows(StartupException.class, balancer::start);

            assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
            assertTrue(e.getMessage().contains("port already in use"), e.getMessage());
            assertTrue(e.getMessage().contains("\"adminPort\""), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            balancer.close(); // nothing was left running, so closing is a no-op
        }
    }

    private static List<String> listServices(ManagedChannel channel) throws Exception {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        result.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        try {
            return result.get(10, TimeUnit.SECONDS);
        } finally {
            requests.onCompleted();
        }
    }
}
