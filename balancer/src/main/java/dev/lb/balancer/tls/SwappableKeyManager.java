package dev.lb.balancer.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * The server's key manager, whose certificate and key can be replaced while it serves. Each handshake
 * asks for an alias first, then for the chain and the key by that alias; the alias names one pair
 * (a generation), so a swap between the two questions cannot hand out the new chain with the old key.
 * The pair served before the last swap stays reachable by its alias for handshakes already under way.
 * Connections already open keep the pair they were handshaken with.
 */
final class SwappableKeyManager extends X509ExtendedKeyManager {
    private record Served(String alias, CertifiedKey pair) {
    }

    /** Read on every handshake without a lock; written under this object's lock by {@link #serve}. */
    private volatile Served current;
    private volatile Served previous;
    private long generation;

    /** New handshakes get {@code pair} from now on. */
    synchronized void serve(CertifiedKey pair) {
        previous = current;
        current = new Served("lb-" + (++generation), pair);
    }

    private CertifiedKey find(String alias) {
        Served now = current;
        if (now != null && now.alias.equals(alias)) {
            return now.pair;
        }
        Served before = previous;
        return before != null && before.alias.equals(alias) ? before.pair : null;
    }

    /** The alias when the pair's key is of the type the handshake can use ("RSA", "EC", ...). */
    private String aliasFor(String keyType) {
        Served now = current;
        return now != null && now.pair.key().getAlgorithm().equals(keyType) ? now.alias : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[]{alias};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertifiedKey pair = find(alias);
        return pair == null ? null : pair.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertifiedKey pair = find(alias);
        return pair == null ? null : pair.key();
    }

    // The balancer is never a TLS client with this key manager.

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
