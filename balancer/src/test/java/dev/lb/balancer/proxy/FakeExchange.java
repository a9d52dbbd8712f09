package dev.lb.balancer.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * A request as a server hands it to the proxy, without a connection: what the validator and the
 * translation read (method, target, protocol, fields, the client's address). Anything else is refused.
 */
final class FakeExchange extends HttpExchange {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);

    private final String method;
    private final URI target;
    private final String protocol;
    private final Headers headers;

    FakeExchange(String method, URI target, String protocol, Headers headers) {
        this.method = method;
        this.target = target;
        this.protocol = protocol;
        this.headers = headers;
    }

    @Override
    public Headers getRequestHeaders() {
        return headers;
    }

    @Override
    public Headers getResponseHeaders() {
        throw new UnsupportedOperationException();
    }

    @Override
    public URI getRequestURI() {
        return target;
    }

    @Override
    public String getRequestMethod() {
        return method;
    }

    @Override
    public HttpContext getHttpContext() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }

    @Override
    public InputStream getRequestBody() {
        throw new UnsupportedOperationException();
    }

    @Override
    public OutputStream getResponseBody() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void sendResponseHeaders(int code, long length) {
        throw new UnsupportedOperationException();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return CLIENT;
    }

    @Override
    public int getResponseCode() {
        return -1;
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        throw new UnsupportedOperationException();
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public Object getAttribute(String name) {
        return null;
    }

    @Override
    public void setAttribute(String name, Object value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }
}
