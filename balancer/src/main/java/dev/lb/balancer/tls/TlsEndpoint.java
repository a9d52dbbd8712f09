package dev.lb.balancer.tls;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

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

    /**
     * The configurator for the metrics listener: the store's pair, and when {@code clientCaFile} is
     * given, a client certificate signed by it required of every scraper. The CA file is read once, here.
     *
     * @throws TlsException when the CA file is missing or holds no certificate
     */
    public static HttpsConfigurator configurator(CertificateStore store, Optional<Path> clientCaFile) throws TlsException {
        if (clientCaFile.isEmpty()) {
            return configurator(store);
        }
        try {
            return serving(store, trusting(clientCaFile.get()));
        } catch (GeneralSecurityException e) {
            throw cannotMakeContext(e);
        }
    }

    private static TrustManager[] trusting(Path caFile) throws TlsException, GeneralSecurityException {
        KeyStore cas = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(caFile)) {
            cas.load(null, null);
            int n = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                cas.setCertificateEntry("ca-" + n++, ca);
            }
            if (n == 0) {
                throw new TlsException("tls.clientCaFile " + caFile + ": no PEM certificate found");
            }
        } catch (IOException e) {
            throw new TlsException("tls.clientCaFile " + caFile + ": cannot read (" + e.getMessage() + ")");
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(cas);
        return factory.getTrustManagers();
    }

    /** The configurator for an {@code HttpsServer} serving the store's current pair. */
    public static HttpsConfigurator configurator(CertificateStore store) throws TlsException {
        return serving(store, null);
    }

    /**
     * TLS 1.3 and 1.2 only, the server's cipher order, HTTP/1.1 offered by ALPN; a client certificate
     * signed by one of {@code clientCas} required when they are given, none asked for when null.
     */
    private static HttpsConfigurator serving(CertificateStore store, TrustManager[] clientCas) throws TlsException {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[]{store.keyManager()}, clientCas, null);
        } catch (GeneralSecurityException e) {
            throw cannotMakeContext(e);
        }
        String[] protocols = Arrays.stream(context.getSupportedSSLParameters().getProtocols())
                .filter(PROTOCOLS::contains).toArray(String[]::new);
        boolean needClientAuth = clientCas != null;
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setProtocols(protocols);
                ssl.setApplicationProtocols(ALPN);
                ssl.setUseCipherSuitesOrder(true);
                ssl.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(ssl);
            }
        };
    }

    private static TlsException cannotMakeContext(GeneralSecurityException e) {
        return new TlsException("tls: the JDK cannot make a TLS context (" + e.getMessage() + ")");
    }
}
