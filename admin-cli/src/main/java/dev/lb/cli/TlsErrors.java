package dev.lb.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import javax.net.ssl.SSLException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.Optional;

/**
 * A failed TLS handshake with the admin port, in the operator's words and in terms of the options
 * given: a missing or untrusted client certificate, a balancer certificate the CA did not sign or that
 * names another host, TLS spoken to a plaintext port. Each is exit 1: trying again will not help.
 */
final class TlsErrors {
    private TlsErrors() {
    }

    /** The failure, when it is one of these; empty for every other failure. */
    static Optional<CliFailure> failure(Target target, ClientTls tls, StatusRuntimeException e) {
        if (!tls.enabled() || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
            return Optional.empty();
        }
        if (RpcErrors.has(e, CertPathBuilderException.class) || RpcErrors.has(e, CertPathValidatorException.class)) {
            return fail(tls.caCert() == null
                    ? "the balancer's certificate at " + target + " is not signed by a CA this JDK trusts; give its CA with --cacert"
                    : "the balancer's certificate at " + target + " is not signed by the CA in --cacert " + tls.caCert());
        }
        if (RpcErrors.has(e, CertificateException.class)) {
            // The JDK's host name check throws a bare CertificateException; path problems are caught above.
            return fail("the balancer's certificate does not match " + target.host()
                    + " (connect by a name or address the certificate lists)");
        }
        // The server's refusal arrives as a TLS alert, which Netty (OpenSSL or the JDK's engine) reports
        // only in the exception's message; the alert names come from the TLS protocol itself.
        String alerts = sslMessages(e);
        if (alerts.contains("certificate_required") || alerts.contains("unknown_ca") || alerts.contains("bad_certificate")
                || alerts.contains("certificate_unknown")) {
            return fail(tls.cert() == null
                    ? "the balancer at " + target + " requires a client certificate (--cert/--key, or "
                            + ClientTls.CERT_ENV + "/" + ClientTls.KEY_ENV + ")"
                    : "the balancer at " + target + " does not trust the client certificate " + tls.cert()
                            + " (it must be signed by the balancer's adminTls.clientCaFile)");
        }
        if (alerts.contains("not an ssl/tls record") || alerts.contains("wrong_version_number")
                || alerts.contains("http_request")) {
            return fail("the admin API at " + target + " does not speak TLS (leave out --cacert, --cert and --key,"
                    + " or configure adminTls on the balancer)");
        }
        return Optional.empty();
    }

    private static Optional<CliFailure> fail(String message) {
        return Optional.of(new CliFailure(ExitCodes.FAILED, message));
    }

    /** Every message of the SSL exceptions in the chain, lower case, with OpenSSL's "TLSV1_ALERT_" prefix cut. */
    private static String sslMessages(StatusRuntimeException e) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t.getMessage() != null && (t instanceof SSLException || t.getClass().getName().contains("Ssl"))) {
                messages.append(t.getMessage().toLowerCase(Locale.ROOT).replace("tlsv1_alert_", "").replace("sslv3_alert_", ""))
                        .append('\n');
            }
        }
        return messages.toString();
    }
}
