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
 * @param requestIdHeader the header carrying each request's ID; empty for none
 * @param accessLog     the access log
 * @param tls           TLS termination on the proxy port
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
        String requestIdHeader,
        AccessLogConfig accessLog,
        TlsConfig tls) {

    /** The request-ID header when the config does not rename it. */
    public static final String DEFAULT_REQUEST_ID_HEADER = "X-Request-Id";

    public BalancerConfig {
        servers = List.copyOf(servers);
    }

    /** A config with request IDs in {@value #DEFAULT_REQUEST_ID_HEADER}, no access log and plain HTTP. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics, QueueConfig queue, RetryBudgetConfig retryBudget, ServerKind server) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, queue, retryBudget, server, DEFAULT_REQUEST_ID_HEADER,
                AccessLogConfig.OFF, TlsConfig.OFF);
    }

    /** A config with the default request queue and retry budget, served by the JDK's server. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout,
                          MetricsConfig metrics) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, metrics, QueueConfig.DEFAULT, RetryBudgetConfig.DEFAULT, ServerKind.JDK);
    }

    /** A config without a metrics endpoint. */
    public BalancerConfig(String host, int port, List<ServerConfig> servers, HealthCheckConfig healthCheck,
                          TimeoutConfig timeouts, int retries, Algorithm algorithm, String adminHost, int adminPort,
                          int workerThreads, ExecutorKind executor, java.time.Duration drainTimeout) {
        this(host, port, servers, healthCheck, timeouts, retries, algorithm, adminHost, adminPort, workerThreads,
                executor, drainTimeout, MetricsConfig.OFF);
    }
}
