package dev.lb.balancer.tls;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;

/**
 * The TLS settings of the proxy port: TLS 1.2 and 1.3 only, the JDK's default cipher suites (its
 * modern ones; {@code jdk.tls.disabledAlgorithms} governs the rest), ALPN {@code http/1.1}, no client
 * certificates. One {@code SSLContext} for the life of the server; its key manager is the store's,
 * whose pair changes on reload.
 */
public final class TlsEndpoint {
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    static final String[] ALPN = {"http/1.1"};

    private TlsEndpoint() {
    }

    /** The configurator for an {@code HttpsServer} serving the store's current pair. */
    public static HttpsConfigurator configurator(CertificateStore store) throws TlsException {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[]{store.keyManager()}, null, null);
        } catch (GeneralSecurityException e) {
            throw new TlsException("tls: the JDK cannot make a TLS context (" + e.getMessage() + ")");
        }
        String[] protocols = Arrays.stream(context.getSupportedSSLParameters().getProtocols())
                .filter(PROTOCOLS::contains).toArray(String[]::new);
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setProtocols(protocols);
                ssl.setApplicationProtocols(ALPN);
                ssl.setUseCipherSuitesOrder(true);
                ssl.setNeedClientAuth(false);
                params.setSSLParameters(ssl);
            }
        };
    }
}
