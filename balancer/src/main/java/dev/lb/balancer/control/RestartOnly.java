package dev.lb.balancer.control;

import dev.lb.balancer.config.AdminAccessConfig;
import dev.lb.balancer.config.AccessLogConfig;
import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.TlsConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The settings a reload cannot apply to a running balancer: listeners, threads, the proxy's wiring. */
final class RestartOnly {
    private RestartOnly() {
    }

    /** One line per restart-only setting that differs, e.g. {@code port 8080 -> 8081}. */
    static List<String> changed(BalancerConfig running, BalancerConfig file) {
        List<String> lines = new ArrayList<>();
        diff(lines, "host", running.host(), file.host());
        diff(lines, "port", running.port(), file.port());
        diff(lines, "adminHost", running.adminHost(), file.adminHost());
        diff(lines, "adminPort", running.adminPort(), file.adminPort());
        diff(lines, "metricsPort", running.metrics().enabled() ? running.metrics().port() : "none",
                file.metrics().enabled() ? file.metrics().port() : "none");
        diff(lines, "metricsHost", running.metrics().host(), file.metrics().host());
        diff(lines, "algorithm", running.algorithm().configName(), file.algorithm().configName());
        diff(lines, "retries", running.retries(), file.retries());
        diff(lines, "workerThreads", running.workerThreads(), file.workerThreads());
        diff(lines, "executor", running.executor().configName(), file.executor().configName());
        diff(lines, "server", running.server().configName(), file.server().configName());
        diff(lines, "backendClient", running.backendClient().configName(), file.backendClient().configName());
        // Certificates reload from their files on their own; where they are and who may do what do not.
        diff(lines, "adminTls", adminTls(running), adminTls(file));
        diff(lines, "adminAccess", adminAccess(running), adminAccess(file));
        diff(lines, "adminInsecure", running.adminSecurity().insecure(), file.adminSecurity().insecure());
        diff(lines, "requestIdHeader", running.requestIdHeader(), file.requestIdHeader());
        diff(lines, "accessLog", describe(running.accessLog()), describe(file.accessLog()));
        // The files' contents are reloaded; which files they are is fixed at start.
        diff(lines, "tls", describe(running.tls()), describe(file.tls()));
        diff(lines, "DNS servers", running.dnsTargets().stream().map(t -> t.label()).toList(),
                file.dnsTargets().stream().map(t -> t.label()).toList());
        diff(lines, "dns", running.dns(), file.dns());
        diff(lines, "discovery.etcd", running.etcd(), file.etcd());
        return lines;
    }

    /** The file's config, with the restart-only settings the balancer actually runs with. */
    static BalancerConfig keep(BalancerConfig running, BalancerConfig file) {
        return new BalancerConfig(running.host(), running.port(), file.servers(), file.healthCheck(), file.timeouts(),
                running.retries(), running.algorithm(), running.adminHost(), running.adminPort(),
                running.workerThreads(), running.executor(), file.drainTimeout(), running.metrics(), file.queue(),
                file.retryBudget(), running.server(), running.backendClient(), file.hash(), file.stickyCookie(), file.slowStart(),
                file.passiveHealth(), running.adminSecurity(), running.requestIdHeader(), running.accessLog(),
                running.tls(), running.dnsTargets(), running.dns(), running.etcd());
    }

    private static String adminTls(BalancerConfig config) {
        return config.adminSecurity().tls().map(tls -> "{" + tls.certificateFile() + ", " + tls.privateKeyFile() + ", "
                + tls.clientCaFile() + ", every " + tls.reloadInterval().toSeconds() + " s}").orElse("none");
    }

    private static String adminAccess(BalancerConfig config) {
        AdminAccessConfig access = config.adminSecurity().access();
        return access.restricted() ? "{operators " + access.operators() + ", viewers " + access.viewers() + "}" : "none";
    }

    private static String describe(AccessLogConfig log) {
        return log.enabled() ? log.path() + " (" + log.format().configName() + ")" : "off";
    }

    private static String describe(TlsConfig tls) {
        return tls.enabled() ? tls.certificateFile() + " + " + tls.privateKeyFile() + " every " + tls.checkInterval().toMillis() + " ms" : "off";
    }

    private static void diff(List<String> lines, String name, Object running, Object file) {
        if (!Objects.equals(running, file)) {
            lines.add(name + " " + running + " -> " + file);
        }
    }
}
