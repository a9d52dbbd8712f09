package dev.lb.balancer.upstream;

import java.net.URI;
import java.util.Locale;

/**
 * Where a plain-HTTP backend listens, and the Host header a request gets when its client sent none
 * (an HTTP/1.0 client): host and port, the port left out when it is the scheme's default, as the OkHttp
 * client writes it.
 */
record Endpoint(String host, int port, String hostHeader) {
    static Endpoint of(URI backend) {
        String host = backend.getHost().toLowerCase(Locale.ROOT);
        int port = backend.getPort() < 0 ? 80 : backend.getPort();
        // URI keeps an IPv6 literal's brackets, which connecting does not want and Host does.
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return new Endpoint(bare, port, port == 80 ? host : host + ":" + port);
    }
}
