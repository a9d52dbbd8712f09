package dev.lb.balancer.admin;

import dev.lb.admin.v1.AdminChange;
import dev.lb.admin.v1.AdminServiceGrpc;
import dev.lb.admin.v1.DisableRequest;
import dev.lb.admin.v1.DrainRequest;
import dev.lb.admin.v1.EnableRequest;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.ReloadOutcome;
import dev.lb.admin.v1.ReloadRequest;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import dev.lb.balancer.backend.AdminState;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.util.AdvancedTlsX509KeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import dev.lb.testing.TestCa;
import dev.lb.testing.TestCa.Issued;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API behind mutual TLS on a real loopback socket, with a CA and certificates made for the
 * test: who gets in, what each role may do, and whose name a change is recorded under.
 */
class AdminTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ONE_CHECK = "\"healthCheckInterval\": 3600, \"healthCheck\": {\"timeoutMs\": " + TestBalancer.CHECK_TIMEOUT_MS + "}";

    @TempDir
    static Path certs;
    private static TestCa ca;
    private static Issued serverCert;
    private static Issued operator;
    private static Issued viewer;
    private static Issued stranger;
    private static Issued foreign;
    private static Issued expired;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private TestBalancer fixture;

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = TestCa.create(certs, "admin");
        serverCert = ca.server("balancer", "balancer-1");
        operator = ca.client("alice", "alice");
        viewer = ca.client("victor", "victor");
        stranger = ca.client("mallory", "mallory");
        foreign = TestCa.create(certs, "rogue").client("rogue-alice", "alice");
        expired = ca.expiredClient("expired-alice", "alice");
    }

    @AfterEach
    void close() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void anOperatorMayDrainAndTheChangeIsRecordedUnderTheCertificateName() throws Exception {
        startWithRoles();
        String backend = TestBalancer.url(fixture.server(0));
        WatchClient watch = WatchClient.open(AdminServiceGrpc.newStub(channel(viewer)), WatchRequest.getDefaultInstance());
        Await.until("the watch's snapshot", WAIT, () -> watch.count(WatchEvent::hasSnapshot) == 1);

        AdminServiceGrpc.AdminServiceBlockingStub alice = stub(operator);
        alice.disable(DisableRequest.newBuilder().setBackend(backend).setActor("mallory@forged").build());
        alice.enable(EnableRequest.newBuilder().setBackend(backend).build());

        Await.until("two admin changes", WAIT, () -> watch.count(WatchEvent::hasAdmin) == 2);
        List<AdminChange> changes = watch.received.stream().filter(WatchEvent::hasAdmin).map(WatchEvent::getAdmin).toList();
        assertEquals("alice (client says mallory@forged)", changes.get(0).getActor());
        assertEquals("alice", changes.get(1).getActor());

        Iterator<?> drain = alice.drain(DrainRequest.newBuilder().setBackend(backend).build());
        assertTrue(drain.hasNext());
        assertEquals(AdminState.DRAINING, fixture.backend(backend).adminState());
    }

    @Test
    void theReloadOutcomeNamesTheCertificateNotTheClaim() throws Exception {
        startWithRoles();

        ReloadOutcome outcome = stub(operator).reload(ReloadRequest.newBuilder().setActor("root@somewhere").build());

        assertEquals("alice (client says root@somewhere)", outcome.getActor());
    }

    @Test
    void aViewerMayReadAndWatchButNotDrain() throws Exception {
        startWithRoles();
        String backend = TestBalancer.url(fixture.server(0));
        AdminServiceGrpc.AdminServiceBlockingStub victor = stub(viewer);

        assertEquals(1, victor.getStatus(GetStatusRequest.getDefaultInstance()).getBackendsCount());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel(viewer))
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> victor.drain(DrainRequest.newBuilder().setBackend(backend).build()).hasNext());

        assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode());
        assertEquals("role viewer may not call Drain; it needs operator (adminAccess.operators)",
                refused.getStatus().getDescription());
        assertEquals(AdminState.READY, fixture.backend(backend).adminState());
    }

    @Test
    void aCertificateWhoseNameIsInNeitherListIsRefused() throws Exception {
        startWithRoles();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(stranger).getStatus(GetStatusRequest.getDefaultInstance()));

        assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("\"mallory\" is in neither adminAccess.operators nor"),
                refused.getStatus().getDescription());
    }

    @Test
    void aSignedCertificateWithoutANameIsUnauthenticated() throws Exception {
        startWithRoles();
        Issued nameless = ca.clientWithSubject("nameless", "/O=example");

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(nameless).getStatus(GetStatusRequest.getDefaultInstance()));

        assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
        assertEquals("the admin API requires a client certificate with a subject CN signed by the balancer's"
                + " adminTls.clientCaFile", refused.getStatus().getDescription());
    }

    @Test
    void aClientWithoutACertificateIsRefusedInTheHandshake() throws Exception {
        startWithRoles();
        ChannelCredentials trustOnly = TlsChannelCredentials.newBuilder().trustManager(ca.caCertificate().toFile()).build();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(trustOnly).getStatus(GetStatusRequest.getDefaultInstance()));

        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedEvenWithAnOperatorsName() throws Exception {
        startWithRoles();

        assertADisableIsRefusedInTheHandshake(foreign);
    }

    @Test
    void anExpiredCertificateFromTheRightCaIsRefusedEvenWithAnOperatorsName() throws Exception {
        startWithRoles();

        assertADisableIsRefusedInTheHandshake(expired);
    }

    /** A client presenting {@code presented} fails in the handshake, and its disable changes nothing. */
    private void assertADisableIsRefusedInTheHandshake(Issued presented) throws Exception {
        String backend = TestBalancer.url(fixture.server(0));
        // grpc-util's key manager presents its certificate whatever CAs the server names, as a hostile
        // client would; Netty's own would hold back a certificate the server's CA list does not cover.
        AdvancedTlsX509KeyManager presentsAnyway = new AdvancedTlsX509KeyManager();
        presentsAnyway.updateIdentityCredentials(presented.certificate().toFile(), presented.key().toFile());
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .trustManager(ca.caCertificate().toFile()).keyManager(presentsAnyway).build();

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> stub(credentials).disable(DisableRequest.newBuilder().setBackend(backend).build()));

        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
        assertEquals(AdminState.READY, fixture.backend(backend).adminState());
    }

    @Test
    void aPlaintextClientGetsNothingFromTheTlsPort() throws Exception {
        startWithRoles();
        ManagedChannel plaintext = NettyChannelBuilder.forAddress("127.0.0.1", fixture.balancer().adminPort())
                .usePlaintext().build();
        channels.add(plaintext);

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> AdminServiceGrpc.newBlockingStub(plaintext).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getStatus(GetStatusRequest.getDefaultInstance()));

        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
    }

    @Test
    void withoutAdminAccessEveryCertificateTheCaSignedIsAnOperator() throws Exception {
        fixture = TestBalancer.builder().backends(1).json(ONE_CHECK + ", " + adminTls(1)).start();
        String backend = TestBalancer.url(fixture.server(0));

        stub(stranger).disable(DisableRequest.newBuilder().setBackend(backend).build());

        assertEquals(AdminState.MAINTENANCE, fixture.backend(backend).adminState());
    }

    @Test
    void aRotatedServerCertificateIsServedWithoutARestart() throws Exception {
        Path dir = Files.createDirectories(certs.resolve("rotation"));
        Path certificate = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        Files.copy(serverCert.certificate(), certificate);
        Files.copy(serverCert.key(), key);
        fixture = TestBalancer.builder().backends(1).json(ONE_CHECK + ", \"adminTls\": {\"certificateFile\": \"" + certificate
                + "\", \"privateKeyFile\": \"" + key + "\", \"clientCaFile\": \"" + ca.caCertificate()
                + "\", \"reloadIntervalSeconds\": 1}").start();
        assertEquals("CN=balancer-1", servedCertificate().getSubjectX500Principal().getName());

        Issued next = ca.server("balancer-next", "balancer-2");
        Files.copy(next.key(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(next.certificate(), certificate, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Await.until("the rotated certificate in a new handshake", WAIT,
                () -> servedCertificate().getSubjectX500Principal().getName().equals("CN=balancer-2"));
        assertEquals(1, stub(operator).getStatus(GetStatusRequest.getDefaultInstance()).getBackendsCount());
    }

    private void startWithRoles() throws Exception {
        fixture = TestBalancer.builder().backends(1).json(ONE_CHECK + ", " + adminTls(60)
                + ", \"adminAccess\": {\"operators\": [\"alice\"], \"viewers\": [\"victor\"]}").start();
    }

    private static String adminTls(int reloadSeconds) {
        return "\"adminTls\": {\"certificateFile\": \"" + serverCert.certificate() + "\", \"privateKeyFile\": \""
                + serverCert.key() + "\", \"clientCaFile\": \"" + ca.caCertificate() + "\", \"reloadIntervalSeconds\": "
                + reloadSeconds + "}";
    }

    private AdminServiceGrpc.AdminServiceBlockingStub stub(Issued client) throws IOException {
        return AdminServiceGrpc.newBlockingStub(channel(client)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private AdminServiceGrpc.AdminServiceBlockingStub stub(ChannelCredentials credentials) {
        return AdminServiceGrpc.newBlockingStub(channel(credentials)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private ManagedChannel channel(Issued client) throws IOException {
        return channel(TlsChannelCredentials.newBuilder()
                .trustManager(ca.caCertificate().toFile())
                .keyManager(client.certificate().toFile(), client.key().toFile())
                .build());
    }

    private ManagedChannel channel(ChannelCredentials credentials) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", fixture.balancer().adminPort(), credentials)
                .build();
        channels.add(channel);
        return channel;
    }

    /** The certificate the admin port presents in a fresh handshake. */
    private X509Certificate servedCertificate() {
        try {
            AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
            keys.updateIdentityCredentials(operator.certificate().toFile(), operator.key().toFile());
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(ca.caCertificate())) {
                trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[]{keys}, trust.getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", fixture.balancer().adminPort())) {
                socket.setSoTimeout(10_000);
                socket.setEnabledProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
                javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
                parameters.setApplicationProtocols(new String[]{"h2"});
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                return (X509Certificate) socket.getSession().getPeerCertificates()[0];
            }
        } catch (Exception e) {
            throw new AssertionError("handshake with the admin port failed", e);
        }
    }

    @Test
    void everyAdminRpcHasARoleAndOnlyReadsAreOpenToViewers() {
        List<String> viewerMethods = new ArrayList<>();
        for (var method : AdminServiceGrpc.getServiceDescriptor().getMethods()) {
            if (AdminRole.needed(method.getFullMethodName()) == AdminRole.VIEWER) {
                viewerMethods.add(method.getBareMethodName());
            }
        }

        assertEquals(List.of("GetStatus", "Watch"), viewerMethods.stream().sorted().toList());
        assertEquals(AdminRole.VIEWER, AdminRole.needed("grpc.health.v1.Health/Watch"));
        assertEquals(AdminRole.VIEWER, AdminRole.needed("grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
        assertEquals(AdminRole.OPERATOR, AdminRole.needed("lb.admin.v1.AdminService/SomethingNew"));
        assertFalse(AdminRole.VIEWER.allows(AdminRole.OPERATOR));
    }
}
