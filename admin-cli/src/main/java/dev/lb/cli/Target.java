package dev.lb.cli;

import picocli.CommandLine;

/**
 * Where the balancer's admin API listens, {@code HOST:PORT}.
 *
 * @param host name or address; IPv6 literals without brackets
 * @param port 1 to 65535
 */
record Target(String host, int port) {

    static Target parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("\"" + text + "\" is not HOST:PORT, e.g. localhost:9090");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no port number; use HOST:PORT, e.g. localhost:9090");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " in \"" + text + "\" is out of range; use 1 to 65535");
        }
        return new Target(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Lets picocli turn a bad value into a usage error (exit 2) with this message. */
    static final class Converter implements CommandLine.ITypeConverter<Target> {
        @Override
        public Target convert(String value) {
            try {
                return parse(value.trim());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
