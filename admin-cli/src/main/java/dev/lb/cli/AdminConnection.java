package dev.lb.cli;

import dev.lb.admin.v1.AdminServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One gRPC channel to a balancer's admin API, plaintext or mutual TLS, closed when the command ends. */
final class AdminConnection implements AutoCloseable {
    /**
     * grpc-java (and the Netty inside it) logs failures such as a host name that does not resolve as a
     * warning with a stack trace, through java.util.logging to stderr. Every such failure also ends the
     * call with a status, which lbctl turns into its own one-line message, so those logs are switched
     * off. Kept in a field: java.util.logging holds loggers weakly, and a collected one forgets its level.
     */
    private static final Logger GRPC_LOGS = silenced("io.grpc");

    private final Target target;
    private final ManagedChannel channel;

    /**
     * @throws CliFailure when a TLS file is missing or unreadable (before anything connects)
     */
    AdminConnection(Target target, ClientTls tls) {
        this.target = target;
        this.channel = NettyChannelBuilder.forAddress(target.host(), target.port(), tls.credentials())
                // A watch can sit idle for long; pings notice a balancer that vanished without closing.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build();
    }

    private static Logger silenced(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.OFF);
        return logger;
    }

    Target target() {
        return target;
    }

    AdminServiceGrpc.AdminServiceBlockingStub blocking() {
        return AdminServiceGrpc.newBlockingStub(channel);
    }

    /** For asking several balancers at once without a thread each. */
    AdminServiceGrpc.AdminServiceFutureStub future() {
        return AdminServiceGrpc.newFutureStub(channel);
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
