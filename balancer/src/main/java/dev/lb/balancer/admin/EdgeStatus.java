package dev.lb.balancer.admin;

import dev.lb.admin.v1.AccessLogStatus;
import dev.lb.admin.v1.BalancerStatus;
import dev.lb.admin.v1.TlsCertificateStatus;
import dev.lb.balancer.accesslog.AccessLogWriter;
import dev.lb.balancer.tls.CertificateStore;
import dev.lb.balancer.tls.CertifiedKey;

/**
 * The certificate and the access log as the admin API reports them, read from their owners at each
 * status.
 *
 * @param certificates the proxy port's certificate, null for plain HTTP
 * @param accessLog    the access log, null when there is none
 */
public record EdgeStatus(CertificateStore certificates, AccessLogWriter accessLog) {
    void addTo(BalancerStatus.Builder balancer) {
        if (certificates != null) {
            CertifiedKey pair = certificates.current();
            balancer.setTlsCertificate(TlsCertificateStatus.newBuilder()
                    .setSubject(pair.subject())
                    .setIssuer(pair.issuer())
                    .setNotAfter(ProtoValues.timestamp(pair.notAfter()))
                    .setCertificateFile(pair.certificateFile().toString())
                    .setLoadedAt(ProtoValues.timestamp(pair.loadedAt()))
                    .setReloadsApplied(certificates.reloadsApplied())
                    .setReloadsRejected(certificates.reloadsRejected()));
        }
        if (accessLog != null) {
            balancer.setAccessLog(AccessLogStatus.newBuilder()
                    .setPath(accessLog.config().path())
                    .setLinesWritten(accessLog.written())
                    .setLinesDropped(accessLog.dropped())
                    .setLinesFailed(accessLog.writeErrors()));
        }
    }
}
