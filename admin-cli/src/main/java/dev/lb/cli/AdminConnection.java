package dev.lb.cli;

import dev.lb.admin.v1.AdminServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.concurrent.TimeUnit;

/** One plaintext gRPC channel to a balancer's admin API, closed when the command ends. */
final class AdminConnection implements AutoCloseable {
    private final Target target;
    private final ManagedChannel channel;

    AdminConnection(Target target) {
        this.target = target;
        this.channel = NettyChannelBuilder.forAddress(target.host(), target.port())
                .usePlaintext()
                // A watch can sit idle for long; pings notice a balancer that vanished without closing.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build();
    }

    Target target() {
        return target;
    }

    AdminServiceGrpc.AdminServiceBlockingStub blocking() {
        return AdminServiceGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
