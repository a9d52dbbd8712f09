package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.balancer.StartupException;
import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.config.AdminSecurityConfig;
import dev.lb.balancer.control.RuntimeControl;
import dev.lb.balancer.fleet.Fleet;
import dev.lb.balancer.util.BlockingWork;
import dev.lb.balancer.util.LocalPorts;
import dev.lb.balancer.util.NamedThreadFactory;
import dev.lb.balancer.util.Scheduler;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC management plane of one balancer: {@link AdminService}, the standard
 * {@code grpc.health.v1.Health} service and server reflection, on the admin address, in plaintext or
 * behind mutual TLS with roles ({@link AdminTls}, {@link AdminAccess}). Owns the watch hub, its pool
 * listener, the {@code admin-grpc-N} threads and the {@code admin-tls-reload-N} thread that re-reads
 * the TLS files; the balancer's timer service, which says when to look at them and when Watch streams
 * get stats, is only borrowed.
 */
public final class AdminServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    private final BackendPool pool;
    private final WatchHub hub;
    private final AdminService service;
    private final HealthStatusManager health;
    private final ExecutorService executor;
    private final Server server;
    /** The certificate file watches and their thread; null for a plaintext admin API. */
    private final AdminTls tls;
    private final ExecutorService tlsReloads;

    private AdminServer(BackendPool pool, WatchHub hub, AdminService service, ExecutorService executor, Server server,
                        HealthStatusManager health, AdminTls tls, ExecutorService tlsReloads) {
        this.pool = pool;
        this.tls = tls;
        this.tlsReloads = tlsReloads;
        this.health = health;
        this.hub = hub;
        this.service = service;
        this.executor = executor;
        this.server = server;
    }

    /**
     * Binds {@code host:port} (0 for any free port) with the given protection and starts serving.
     *
     * @param fleet  where fleet-wide changes go; null when the balancer has none (no discovery.etcd)
     * @param timers the balancer's timer service, for Watch streams' stats and the TLS files' checks
     * @throws StartupException when the address cannot be bound or the certificates cannot be read;
     *                          nothing is left running
     */
    public static AdminServer start(String host, int port, BackendPool pool, StatusReader reader,
                                    RuntimeControl control, Clock clock, AdminSecurityConfig security, Fleet fleet,
                                    Scheduler timers)
            throws StartupException {
        ExecutorService tlsReloads = null;
        AdminTls tls = null;
        if (security.tls().isPresent()) {
            tlsReloads = BlockingWork.executor("admin-tls-reload", 1);
            try {
                tls = AdminTls.load(security.tls().get(), timers, tlsReloads);
            } catch (StartupException e) {
                tlsReloads.shutdownNow();
                throw e;
            }
        }
        WatchHub hub = new WatchHub(reader, WatchHub.DEFAULT_BUFFER, timers);
        ExecutorService executor = Executors.newFixedThreadPool(2, new NamedThreadFactory("admin-grpc", true));
        AdminService service = new AdminService(reader, hub, control, executor, clock, fleet);
        HealthStatusManager health = new HealthStatusManager();
        NettyServerBuilder builder = tls == null
                ? NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                : NettyServerBuilder.forAddress(new InetSocketAddress(host, port), tls.credentials());
        if (tls != null) {
            // On every service, health and reflection included: a caller without a role learns nothing.
            builder.intercept(new AdminAccess(security.access()));
        }
        Server server = builder
                .executor(executor)
                .addService(service.withCallerAddresses())
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(legacyReflection())
                // lbctl watch pings to notice a vanished balancer; allow it more often than the default.
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .build();
        try {
            server.start();
        } catch (IOException e) {
            hub.close();
            executor.shutdownNow();
            if (tls != null) {
                tls.close();
                tlsReloads.shutdownNow();
            }
            throw new StartupException(bindProblem(host, port, e));
        }
        AdminServer admin = new AdminServer(pool, hub, service, executor, server, health, tls, tlsReloads);
        pool.addListener(hub);
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(AdminServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        // The port ends the line: scripts and tests read it from there.
        LOG.log(System.Logger.Level.INFO, "admin API listening on {0}:{1,number,#}", host, admin.port());
        if (tls != null) {
            LOG.log(System.Logger.Level.INFO, "admin API requires mutual TLS: {0}", security.access().restricted()
                    ? security.access().operators().size() + " operators, " + security.access().viewers().size() + " viewers"
                    : "every certificate the client CA signed is an operator");
        }
        return admin;
    }

    /**
     * Refuses a plaintext admin API beyond loopback unless the config accepts the risk, and warns when
     * it does: asked before anything is started, so a refused balancer never opens a port.
     *
     * @throws StartupException one line naming both ways out ({@code adminTls}, {@code adminInsecure})
     */
    public static void checkExposure(String host, AdminSecurityConfig security) throws StartupException {
        AdminExposure.check(host, security).ifPresent(warning -> LOG.log(System.Logger.Level.WARNING, warning));
    }

    /**
     * Reflection v1alpha as well: grpcurl before 1.8.8 and other older tools only speak that version,
     * and serving both costs nothing.
     */
    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService legacyReflection() {
        return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
    }

    /**
     * Why the admin address could not be bound, told by {@link LocalPorts} from the address itself:
     * Netty's native transport reports every bind error as one exception type with only an errno in its
     * message.
     */
    private static String bindProblem(String host, int port, IOException e) {
        String where = "cannot listen for the admin API on " + host + ":" + port;
        switch (LocalPorts.check(host, port)) {
            case NO_SUCH_ADDRESS:
                return where + ": no such local address (change \"adminHost\" in the config)";
            case IN_USE:
                return where + ": port already in use (stop the other process or change \"adminPort\" in the config)";
            default:
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                return where + ": " + root.getMessage() + " (check \"adminHost\" and \"adminPort\" in the config)";
        }
    }

    /** The bound port; differs from the config's when that was 0. */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    public WatchHub hub() {
        return hub;
    }

    public AdminService service() {
        return service;
    }

    /** Ends open watches, then stops serving and releases the threads. */
    @Override
    public void close() {
        pool.removeListener(hub);
        health.enterTerminalState();
        hub.close();
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        if (tls != null) {
            tls.close();
            tlsReloads.shutdownNow();
        }
    }
}
