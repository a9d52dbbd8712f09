package dev.lb.balancer.config;

import java.util.List;

/**
 * The whole, validated configuration of one balancer. Built only by {@link ConfigLoader}, so every
 * instance is known to be usable.
 *
 * @param host          address the proxy binds to
 * @param port          port the proxy listens on
 * @param servers       the backends, in config order
 * @param healthCheck   active health checking
 * @param timeouts      limits on backend exchanges
 * @param retries       how many other backends a request may be tried on when a backend refuses it
 * @param algorithm     how a backend is chosen for each request
 * @param adminHost     address the gRPC admin service binds to
 * @param adminPort     port of the gRPC admin service
 * @param workerThreads threads serving client requests when platform threads are used
 * @param executor      which kind of threads serve client requests
 * @param drainTimeout  how long a shutdown waits for in-flight requests to finish, and how long a
 *                      backend removed by a reload may take to drain before it is dropped anyway
 * @param metrics       the Prometheus metrics endpoint
 * @param queue         where requests wait while every backend is at its {@code maxConnections}
 * @param retryBudget   how many retries recent traffic allows
 * @param server        which implementation of the HTTP server API serves the proxy port
 * @param backendClient which client carries requests to plain-HTTP backends
 * @param hash          what the {@code hash} algorithm hashes and its load bound
 * @param stickyCookie  the affinity cookie, when on
 * @param slowStart     how long a backend entering rotation takes to reach its full share; zero for off
 * @param passiveHealth ejection of backends that answer 5xx in a row
 * @param adminSecurity mutual TLS and roles on the admin API, or plaintext
 * @param requestIdHeader the header carrying each request's ID; empty for none
 * @param accessLog     the access log
 * @param tls           TLS termination on the proxy port
 * @param dnsTargets    the {@code servers} entries that name a DNS name rather than one backend
 * @param dns           how those names are resolved
 * @param etcd          membership from etcd, {@link EtcdConfig#OFF} when not configured
 */
public record BalancerConfig(
        String host,
        int port,
        List<ServerConfig> servers,
        HealthCheckConfig healthCheck,
        TimeoutConfig timeouts,
        int retries,
        Algorithm algorithm,
        String adminHost,
        int adminPort,
        int workerThreads,
        ExecutorKind executor,
        java.time.Duration drainTimeout,
        MetricsConfig metrics,
        QueueConfig queue,
        RetryBudgetConfig retryBudget,
        ServerKind server,
        BackendClientKind backendClient,
        HashConfig hash,
        StickyCookieConfig stickyCookie,
        java.time.Duration slowStart,
        PassiveHealthConfig passiveHealth,
        AdminSecurityConfig adminSecurity,
        String requestIdHeader,
        AccessLogConfig accessLog,
        TlsConfig tls,
        List<DnsTarget> dnsTargets,
        DnsConfig dns,
        EtcdConfig etcd) {

    /** The request-ID header when the config does not rename it. */
    public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

    public BalancerConfig {
        servers = List.copyOf(servers);
        dnsTargets = List.copyOf(dnsTargets);
    }

    /** A config whose backends are all listed in {@code servers}: no DNS names, no etcd. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server,
                          BackendClientKind backendClient, HashConfig hash, StickyCookieConfig stickyCookie,
                          java.time.Duration slowStart, PassiveHealthConfig passiveHealth,
                          AdminSecurityConfig adminSecurity, String requestIdHeader, AccessLogConfig accessLog,
                          TlsConfig tls) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, backendClient, hash, stickyCookie,
                slowStart, passiveHealth, adminSecurity, requestIdHeader, accessLog, tls, List.of(), DnsConfig.DEFAULT,
                EtcdConfig.OFF);
    }

    /** Whether any backend comes from a shared source (DNS or etcd) rather than the file. */
    public boolean hasDiscovery() {
        return !dnsTargets.isEmpty() || etcd.enabled();
    }

    /** A config with request IDs in {@value #DEFAULT_REQUEST_ID_HEADER}, no access log and plain HTTP. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server,
                          BackendClientKind backendClient, HashConfig hash, StickyCookieConfig stickyCookie,
                          java.time.Duration slowStart, PassiveHealthConfig passiveHealth,
                          AdminSecurityConfig adminSecurity) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, backendClient, hash, stickyCookie,
                slowStart, passiveHealth, adminSecurity, DEFAULT_REQUEST_ID_HEADER, AccessLogConfig.OFF, TlsConfig.OFF);
    }

    /** A config with a plaintext admin API. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server,
                          BackendClientKind backendClient, HashConfig hash, StickyCookieConfig stickyCookie,
                          java.time.Duration slowStart, PassiveHealthConfig passiveHealth) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, backendClient, hash, stickyCookie,
                slowStart, passiveHealth, AdminSecurityConfig.PLAINTEXT);
    }

    /** A config without traffic policies (clients' addresses hashed when asked, no cookie, no ramp, no ejection), admin in plaintext. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server,
                          BackendClientKind backendClient) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, backendClient, HashConfig.DEFAULT,
                StickyCookieConfig.OFF, java.time.Duration.ZERO, PassiveHealthConfig.OFF);
    }

    /** As above, reaching plain-HTTP backends with the direct client. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, BackendClientKind.DIRECT);
    }

    /**
     * A config with the default request queue and retry budget, the default server ({@code "auto"}), the
     * direct client, no traffic policies and a plaintext admin API.
     */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, QueueConfig.DEFAULT, RetryBudgetConfig.DEFAULT, ServerKind.AUTO);
    }

    /** A config without a metrics endpoint. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, MetricsConfig.OFF);
    }
}
