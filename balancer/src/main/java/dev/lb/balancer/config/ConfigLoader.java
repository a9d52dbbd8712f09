package dev.lb.balancer.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates the JSON config file. Every problem becomes a {@link ConfigException} whose
 * message starts with the file name and the JSON path of the offending field, so the user can go
 * straight to it. Unknown fields are errors: a misspelt optional setting would otherwise be silently
 * replaced by its default.
 */
public final class ConfigLoader {
    static final int DEFAULT_ADMIN_PORT = 9090;
    static final String DEFAULT_ADMIN_HOST = "127.0.0.1";
    static final int DEFAULT_HEALTH_INTERVAL_SECONDS = 10;
    static final String DEFAULT_METRICS_HOST = "127.0.0.1";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** A location inside a Jackson message; the source is always REDACTED, so only line and column tell. */
    private static final Pattern PARSER_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

    private ConfigLoader() {
    }

    /** Loads the file at {@code path}; the file name in messages is the path as given. */
    public static BalancerConfig load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": config file not found (pass --config PATH to use another file)");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read config file: " + e.getMessage());
        }
        return parse(text, path.toString());
    }

    /** Parses config text; {@code source} names it in error messages. */
    public static BalancerConfig parse(String json, String source) throws ConfigException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            throw new ConfigException(source + ": invalid JSON" + at + ": " + firstLine(e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException(source + ": config file is empty; expected a JSON object with \"port\" and \"servers\"");
        }
        return new Reader(source).read(root);
    }

    /** RFC 9110's tchar. */
    private static boolean isTokenChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /**
     * Jackson's first line, with each location it embeds ("[Source: REDACTED (`StreamReadFeature...`
     * disabled); line: 1, column: 24]", where an array or object began) cut to "line 1, column 24".
     */
    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return PARSER_LOCATION.matcher(line).replaceAll("line $1, column $2");
    }

    /** Walks the tree of one file, collecting nothing: the first problem ends the read. */
    private static final class Reader {
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        BalancerConfig read(JsonNode root) throws ConfigException {
            ObjectNode top = object(root, "");
            Fields.checkKnown(source, top, "", Set.of(
                    "port", "host", "servers", "healthCheckInterval", "healthCheck", "timeouts", "retries",
                    "algorithm", "adminHost", "adminPort", "workerThreads", "executor", "drainTimeoutMs",
                    "metricsPort", "metricsHost", "queue", "retryBudget", "server", "backendClient", "hashOn", "hashBalanceFactor",
                    "stickyCookie", "slowStartMs", "passiveHealth", "adminTls",
                    "adminAccess", "adminInsecure", "requestIdHeader",
                    "accessLog", "tls", "dns", "discovery", "metricsTls"));

            int port = port(top, "port", null);
            String host = string(top, "host", "0.0.0.0");
            List<DnsTarget> dnsTargets = dnsTargets(top);
            EtcdConfig etcd = etcd(top);
            List<ServerConfig> servers = servers(top, !dnsTargets.isEmpty() || etcd.enabled());
            HealthCheckConfig healthCheck = healthCheck(top);
            TimeoutConfig timeouts = timeouts(top);
            int retries = integer(top, "retries", 2, 0, 100);
            String algorithmName = string(top, "algorithm", Algorithm.LEAST_CONNECTIONS.configName());
            Algorithm algorithm = Algorithm.fromConfigName(algorithmName).orElseThrow(() -> problem(
                    "algorithm", "\"" + algorithmName + "\" is not an algorithm; use one of " + Algorithm.allNames()));
            String adminHost = string(top, "adminHost", DEFAULT_ADMIN_HOST);
            int adminPort = port(top, "adminPort", DEFAULT_ADMIN_PORT);
            if (adminPort != 0 && adminPort == port) {
                throw problem("adminPort", adminPort + " is also the proxy's \"port\"; give the admin service a port of its own");
            }
            int workerThreads = integer(top, "workerThreads", 64, 1, 10_000);
            // Platform threads by default: on the bench (docs/performance.md) a pool of 16-64 platform
            // threads proxied 1.3-1.4x the requests of virtual threads at less CPU per request.
            String executorName = string(top, "executor", ExecutorKind.PLATFORM.configName());
            ExecutorKind executor = ExecutorKind.fromConfigName(executorName).orElseThrow(() -> problem(
                    "executor", "\"" + executorName + "\" is not an executor; use one of " + ExecutorKind.allNames()));
            Duration drainTimeout = Duration.ofMillis(integer(top, "drainTimeoutMs", 30_000, 0, 3_600_000));
            MetricsConfig metrics = metrics(top, port, adminPort);
            QueueConfig queue = queue(top);
            RetryBudgetConfig retryBudget = retryBudget(top);
            String serverName = string(top, "server", ServerKind.AUTO.configName());
            ServerKind server = ServerKind.fromConfigName(serverName).orElseThrow(() -> problem(
                    "server", "\"" + serverName + "\" is not an HTTP server; use one of " + ServerKind.allNames()));
            BackendClientKind backendClient = backendClient(top);
            AdminSecurityConfig adminSecurity = adminSecurity(top);
            String requestIdHeader = requestIdHeader(top);
            AccessLogConfig accessLog = accessLog(top);
            TlsConfig tls = tls(top, server);
            HashConfig hash = hash(top);
            StickyCookieConfig stickyCookie = stickyCookie(top);
            Duration slowStart = Duration.ofMillis(integer(top, "slowStartMs", 0, 0, 3_600_000));
            PassiveHealthConfig passiveHealth = passiveHealth(top);
            return new BalancerConfig(host, port, servers, healthCheck, timeouts, retries, algorithm,
                    adminHost, adminPort, workerThreads, executor, drainTimeout, metrics, queue, retryBudget, server,
                    backendClient, hash, stickyCookie, slowStart, passiveHealth, adminSecurity, requestIdHeader, accessLog, tls,
                    dnsTargets, dns(top), etcd);
        }

        private HashConfig hash(ObjectNode top) throws ConfigException {
            String text = string(top, "hashOn", HashOn.DEFAULT.toString());
            HashOn hashOn = HashOn.parse(text).orElseThrow(() -> problem("hashOn", "\"" + text
                    + "\" is not a hash key; use \"client-ip\", \"path\", \"header:NAME\" or \"cookie:NAME\""));
            JsonNode node = top.get("hashBalanceFactor");
            double factor = HashConfig.DEFAULT_BALANCE_FACTOR;
            if (node != null && !node.isNull()) {
                if (!node.isNumber()) {
                    throw problem("hashBalanceFactor", "must be a number, not " + kind(node));
                }
                factor = node.doubleValue();
                if (factor != 0 && (factor < 1 || factor > 100)) {
                    throw problem("hashBalanceFactor", factor + " is out of range; use 1 to 100 (1.25 is usual), or 0 for no bound");
                }
            }
            return new HashConfig(hashOn, factor);
        }

        /** {@code "stickyCookie": {}} turns the cookie on with its default name; leaving it out, off. */
        private StickyCookieConfig stickyCookie(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("stickyCookie");
            if (node == null || node.isNull()) {
                return StickyCookieConfig.OFF;
            }
            ObjectNode c = object(node, "stickyCookie");
            Fields.checkKnown(source, c, "stickyCookie", Set.of("name"));
            String name = string(c, "stickyCookie", "name", StickyCookieConfig.DEFAULT_NAME);
            if (name.isEmpty() || !name.chars().allMatch(ch -> ch > ' ' && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0)) {
                throw problem("stickyCookie.name", "\"" + name + "\" is not a cookie name; use letters, digits and -_. only");
            }
            return new StickyCookieConfig(true, name);
        }

        private PassiveHealthConfig passiveHealth(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("passiveHealth");
            ObjectNode p = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "passiveHealth");
            Fields.checkKnown(source, p, "passiveHealth", Set.of("consecutive5xx", "ejectionMs", "maxEjectionPercent"));
            PassiveHealthConfig d = PassiveHealthConfig.OFF;
            int consecutive = integer(p, "passiveHealth", "consecutive5xx", d.consecutive5xx(), 0, 10_000);
            int ejectionMs = integer(p, "passiveHealth", "ejectionMs", (int) d.ejection().toMillis(), 1, 3_600_000);
            int maxPercent = integer(p, "passiveHealth", "maxEjectionPercent", d.maxEjectionPercent(), 0, 100);
            return new PassiveHealthConfig(consecutive, Duration.ofMillis(ejectionMs), maxPercent);
        }

        private BackendClientKind backendClient(ObjectNode top) throws ConfigException {
            String name = string(top, "backendClient", BackendClientKind.DIRECT.configName());
            return BackendClientKind.fromConfigName(name).orElseThrow(() -> problem("backendClient",
                    "\"" + name + "\" is not a backend client; use one of " + BackendClientKind.allNames()));
        }

        /**
         * {@code adminTls}, {@code adminAccess} and {@code adminInsecure}. Whether the admin address
         * needs TLS is decided at start, where the address is resolved (AdminExposure).
         */
        private AdminSecurityConfig adminSecurity(ObjectNode top) throws ConfigException {
            JsonNode tlsNode = top.get("adminTls");
            Optional<AdminTlsConfig> tls = tlsNode == null || tlsNode.isNull()
                    ? Optional.empty() : Optional.of(adminTls(object(tlsNode, "adminTls")));
            JsonNode accessNode = top.get("adminAccess");
            AdminAccessConfig access = AdminAccessConfig.EVERY_CERTIFICATE;
            if (accessNode != null && !accessNode.isNull()) {
                if (tls.isEmpty()) {
                    throw problem("adminAccess", "needs \"adminTls\": roles are read from client certificates; "
                            + "add \"adminTls\" or leave \"adminAccess\" out");
                }
                access = adminAccess(object(accessNode, "adminAccess"));
            }
            boolean insecure = bool(top, "", "adminInsecure", false);
            return new AdminSecurityConfig(tls, access, insecure);
        }

        private AdminTlsConfig adminTls(ObjectNode t) throws ConfigException {
            String p = "adminTls";
            Fields.checkKnown(source, t, p, Set.of("certificateFile", "privateKeyFile", "clientCaFile",
                    "reloadIntervalSeconds"));
            Path certificate = requiredPath(t, p, "certificateFile", "the admin port's PEM certificate chain");
            Path key = requiredPath(t, p, "privateKeyFile", "the PEM private key of that certificate");
            Path clientCa = requiredPath(t, p, "clientCaFile", "the PEM CA certificate that signs client certificates");
            int reloadSeconds = integer(t, p, "reloadIntervalSeconds",
                    (int) AdminTlsConfig.DEFAULT_RELOAD_INTERVAL.toSeconds(), 1, 86_400);
            return new AdminTlsConfig(certificate, key, clientCa, Duration.ofSeconds(reloadSeconds));
        }

        private Path requiredPath(ObjectNode obj, String parent, String field, String what) throws ConfigException {
            String value = string(obj, parent, field, null);
            if (value == null || value.isBlank()) {
                throw problem(join(parent, field), "missing; give the path of " + what);
            }
            return Path.of(value);
        }

        private AdminAccessConfig adminAccess(ObjectNode a) throws ConfigException {
            Fields.checkKnown(source, a, "adminAccess", Set.of("operators", "viewers"));
            List<String> operators = names(a, "adminAccess.operators", "operators");
            List<String> viewers = names(a, "adminAccess.viewers", "viewers");
            for (String name : viewers) {
                if (operators.contains(name)) {
                    throw problem("adminAccess.viewers", "\"" + name + "\" is also an operator; list each name once");
                }
            }
            return new AdminAccessConfig(true, operators, viewers);
        }

        private List<String> names(ObjectNode obj, String path, String field) throws ConfigException {
            JsonNode node = obj.get(field);
            if (node == null || node.isNull()) {
                return List.of();
            }
            if (!node.isArray()) {
                throw problem(path, "must be a list of certificate names (subject CN), not " + kind(node));
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode name = node.get(i);
                if (!name.isTextual() || name.textValue().isBlank()) {
                    throw problem(path + "[" + i + "]", "must be a certificate name (subject CN), e.g. \"alice\"");
                }
                names.add(name.textValue());
            }
            return names;
        }

        /** A header name (an RFC 9110 token), or empty to turn request IDs off. */
        private String requestIdHeader(ObjectNode top) throws ConfigException {
            String name = string(top, "requestIdHeader", BalancerConfig.DEFAULT_REQUEST_ID_HEADER);
            if (!name.isEmpty() && !name.chars().allMatch(ConfigLoader::isTokenChar)) {
                throw problem("requestIdHeader", "\"" + name + "\" is not a header name; use letters, digits and"
                        + " hyphens, e.g. \"X-Request-Id\", or \"\" to turn request IDs off");
            }
            return name;
        }

        /** The access log is off unless the file has an {@code accessLog} object. */
        private AccessLogConfig accessLog(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("accessLog");
            if (node == null || node.isNull()) {
                return AccessLogConfig.OFF;
            }
            ObjectNode log = object(node, "accessLog");
            Fields.checkKnown(source, log, "accessLog", Set.of("path", "format"));
            String path = string(log, "accessLog", "path", null);
            if (path == null || path.isBlank()) {
                throw problem("accessLog.path", "missing; give a file to append to, or \"-\" for standard output");
            }
            String formatName = string(log, "accessLog", "format", AccessLogConfig.Format.COMBINED.configName());
            AccessLogConfig.Format format = AccessLogConfig.Format.fromConfigName(formatName).orElseThrow(() -> problem(
                    "accessLog.format", "\"" + formatName + "\" is not a log format; use one of "
                            + AccessLogConfig.Format.allNames()));
            return new AccessLogConfig(true, path, format);
        }

        /** Plain HTTP unless the file has a {@code tls} object; the files are read at start, not here. */
        private TlsConfig tls(ObjectNode top, ServerKind server) throws ConfigException {
            JsonNode node = top.get("tls");
            if (node == null || node.isNull()) {
                return TlsConfig.OFF;
            }
            ObjectNode tls = object(node, "tls");
            Fields.checkKnown(source, tls, "tls", Set.of("certificateFile", "privateKeyFile", "checkIntervalMs"));
            String certificate = string(tls, "tls", "certificateFile", null);
            if (certificate == null || certificate.isBlank()) {
                throw problem("tls.certificateFile", "missing; give the PEM file with the certificate chain, e.g. \"/etc/letsencrypt/live/example.com/fullchain.pem\"");
            }
            String key = string(tls, "tls", "privateKeyFile", null);
            if (key == null || key.isBlank()) {
                throw problem("tls.privateKeyFile", "missing; give the PEM file with the private key, e.g. \"/etc/letsencrypt/live/example.com/privkey.pem\"");
            }
            int checkMs = integer(tls, "tls", "checkIntervalMs", (int) TlsConfig.DEFAULT_CHECK_INTERVAL.toMillis(), 100, 3_600_000);
            if (server == ServerKind.JETTY) {
                throw problem("tls", "is served by the JDK's server only; remove \"server\": \"jetty\" to terminate TLS");
            }
            return new TlsConfig(true, Path.of(certificate), Path.of(key), Duration.ofMillis(checkMs));
        }

        private RetryBudgetConfig retryBudget(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("retryBudget");
            ObjectNode b = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "retryBudget");
            Fields.checkKnown(source, b, "retryBudget", Set.of("percent", "minPerSecond"));
            int percent = integer(b, "retryBudget", "percent", RetryBudgetConfig.DEFAULT.percent(), 0, 100);
            int minPerSecond = integer(b, "retryBudget", "minPerSecond", RetryBudgetConfig.DEFAULT.minPerSecond(),
                    0, 100_000);
            return new RetryBudgetConfig(percent, minPerSecond);
        }

        /** Metrics are served only when the file gives a {@code metricsPort}. */
        private MetricsConfig metrics(ObjectNode top, int port, int adminPort) throws ConfigException {
            String metricsHost = string(top, "metricsHost", DEFAULT_METRICS_HOST);
            if (!top.hasNonNull("metricsPort")) {
                return new MetricsConfig(false, metricsHost, 0);
            }
            int metricsPort = integer(top, "metricsPort", 0, 0, 65_535);
            if (metricsPort != 0 && (metricsPort == port || metricsPort == adminPort)) {
                throw problem("metricsPort", metricsPort + " is also the " + (metricsPort == port ? "proxy's \"port\"" : "\"adminPort\"")
                        + "; give the metrics endpoint a port of its own");
            }
            return new MetricsConfig(true, metricsHost, metricsPort, metricsTls(top));
        }

        /** {@code metricsTls}: HTTPS for Prometheus and the status page, a client certificate optional. */
        private Optional<MetricsTlsConfig> metricsTls(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("metricsTls");
            if (node == null || node.isNull()) {
                return Optional.empty();
            }
            String p = "metricsTls";
            ObjectNode t = object(node, p);
            Fields.checkKnown(source, t, p, Set.of("certificateFile", "privateKeyFile", "clientCaFile",
                    "reloadIntervalSeconds"));
            Path certificate = requiredPath(t, p, "certificateFile", "the metrics listener's PEM certificate chain");
            Path key = requiredPath(t, p, "privateKeyFile", "the PEM private key of that certificate");
            String clientCa = string(t, p, "clientCaFile", null);
            if (clientCa != null && clientCa.isBlank()) {
                throw problem(join(p, "clientCaFile"), "is empty; give the path of the PEM CA that signs scrapers'"
                        + " client certificates, or leave it out");
            }
            int reloadSeconds = integer(t, p, "reloadIntervalSeconds",
                    (int) MetricsTlsConfig.DEFAULT_RELOAD_INTERVAL.toSeconds(), 1, 86_400);
            return Optional.of(new MetricsTlsConfig(certificate, key, Optional.ofNullable(clientCa).map(Path::of),
                    Duration.ofSeconds(reloadSeconds)));
        }

        /** The backends listed by URL; with a discovery source, the list may be empty or left out. */
        private List<ServerConfig> servers(ObjectNode top, boolean discovery) throws ConfigException {
            JsonNode node = top.get("servers");
            if (discovery && (node == null || node.isNull())) {
                return List.of();
            }
            if (node == null || node.isNull()) {
                throw problem("servers", "missing; list the backends, e.g. \"servers\": [{\"url\": \"http://localhost:8001\"}]");
            }
            if (!node.isArray()) {
                throw problem("servers", "must be a list of servers, not " + kind(node));
            }
            if (node.isEmpty() && !discovery) {
                throw problem("servers", "is empty; list at least one backend");
            }
            List<ServerConfig> servers = new ArrayList<>();
            Set<URI> urls = new HashSet<>();
            Set<String> names = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                if (isDnsEntry(node.get(i))) {
                    continue;
                }
                ServerConfig server = server(node.get(i), "servers[" + i + "]");
                if (!urls.add(server.url())) {
                    throw problem("servers[" + i + "].url", "\"" + server.url() + "\" is listed twice; each backend once");
                }
                if (!names.add(server.name())) {
                    throw problem("servers[" + i + "].name", "\"" + server.name() + "\" is used by another server; names must be unique");
                }
                servers.add(server);
            }
            return servers;
        }

        private ServerConfig server(JsonNode node, String path) throws ConfigException {
            ObjectNode server = object(node, path);
            Fields.checkKnown(source, server, path, Set.of("url", "healthy", "weight", "name", "maxConnections"));
            String url = string(server, path, "url", null);
            if (url == null) {
                throw problem(path + ".url", "missing; give the backend's base URL, e.g. \"http://localhost:8001\"");
            }
            URI uri = backendUri(url, path + ".url");
            boolean healthy = bool(server, path, "healthy", true);
            int weight = integer(server, path, "weight", 1, 0, 1000);
            String name = string(server, path, "name", null);
            if (name != null && name.isBlank()) {
                throw problem(path + ".name", "is blank; leave it out or give a short name");
            }
            // No cap unless one is given: 0 is the "no limit" value, so the smallest cap is 1.
            int maxConnections = integer(server, path, "maxConnections", ServerConfig.NO_LIMIT, 1, 1_000_000);
            return new ServerConfig(uri, name == null ? uri.toString() : name, weight, healthy, maxConnections);
        }

        private static boolean isDnsEntry(JsonNode server) {
            return server.isObject() && (server.has("dns") || server.has("srv"));
        }

        /** The {@code servers} entries that name a DNS name: {@code {"dns": "host:port"}} or {@code {"srv": name}}. */
        private List<DnsTarget> dnsTargets(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("servers");
            List<DnsTarget> targets = new ArrayList<>();
            if (node == null || !node.isArray()) {
                return targets;
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                if (isDnsEntry(node.get(i))) {
                    DnsTarget target = dnsTarget((ObjectNode) node.get(i), "servers[" + i + "]");
                    if (!seen.add(target.label())) {
                        throw problem("servers[" + i + "]", "\"" + target.label() + "\" is listed twice; each name once");
                    }
                    targets.add(target);
                }
            }
            return targets;
        }

        private DnsTarget dnsTarget(ObjectNode server, String path) throws ConfigException {
            Fields.checkKnown(source, server, path, Set.of("dns", "srv", "scheme", "weight", "maxConnections"));
            if (server.has("dns") && server.has("srv")) {
                throw problem(path, "has both \"dns\" and \"srv\"; give one of them");
            }
            String scheme = string(server, path, "scheme", "http");
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw problem(path + ".scheme", "\"" + scheme + "\" is not a backend scheme; use \"http\" or \"https\"");
            }
            int maxConnections = integer(server, path, "maxConnections", ServerConfig.NO_LIMIT, 1, 1_000_000);
            if (server.has("srv")) {
                if (server.has("weight")) {
                    throw problem(path + ".weight", "is not used with \"srv\": each SRV record carries its weight; leave it out");
                }
                String name = dnsName(string(server, path, "srv", null), path + ".srv");
                return new DnsTarget(DnsTarget.Kind.SRV, name, 0, scheme, 0, maxConnections);
            }
            String hostPort = string(server, path, "dns", null);
            int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
            if (colon <= 0 || !hostPort.substring(colon + 1).matches("[0-9]{1,5}")
                    || Integer.parseInt(hostPort.substring(colon + 1)) > 65_535) {
                throw problem(path + ".dns", "\"" + hostPort + "\" must be a DNS name and port, e.g. \"api.internal:8080\"");
            }
            String name = dnsName(hostPort.substring(0, colon), path + ".dns");
            int weight = integer(server, path, "weight", 1, 0, 1000);
            return new DnsTarget(DnsTarget.Kind.ADDRESS, name, Integer.parseInt(hostPort.substring(colon + 1)), scheme,
                    weight, maxConnections);
        }

        private String dnsName(String name, String path) throws ConfigException {
            if (name == null || !name.matches("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?")) {
                throw problem(path, "\"" + name + "\" is not a DNS name, e.g. \"api.internal\" or \"_http._tcp.api.internal\"");
            }
            return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        }

        /** {@code dns}: {@code {"refreshS": 5, "nameservers": ["127.0.0.1:5353"]}}. */
        private DnsConfig dns(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("dns");
            ObjectNode d = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "dns");
            Fields.checkKnown(source, d, "dns", Set.of("refreshS", "nameservers"));
            int refreshS = integer(d, "dns", "refreshS", (int) DnsConfig.DEFAULT_REFRESH.toSeconds(), 1, 86_400);
            List<java.net.InetSocketAddress> nameservers = new ArrayList<>();
            JsonNode list = d.get("nameservers");
            if (list != null && !list.isNull()) {
                if (!list.isArray()) {
                    throw problem("dns.nameservers", "must be a list of \"address:port\", not " + kind(list));
                }
                for (int i = 0; i < list.size(); i++) {
                    String path = "dns.nameservers[" + i + "]";
                    if (!list.get(i).isTextual()) {
                        throw problem(path, "must be a string, not " + kind(list.get(i)));
                    }
                    nameservers.add(nameserver(list.get(i).textValue(), path));
                }
            }
            return new DnsConfig(Duration.ofSeconds(refreshS), nameservers);
        }

        /** An IP address with an optional port (53): "127.0.0.1:5353", "10.0.0.2", "[::1]:53". */
        private java.net.InetSocketAddress nameserver(String text, String path) throws ConfigException {
            var m = java.util.regex.Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)\\]|([0-9.]+))(?::([0-9]{1,5}))?").matcher(text);
            int port = m.matches() && m.group(3) != null ? Integer.parseInt(m.group(3)) : 53;
            if (!m.matches() || port < 1 || port > 65_535) {
                throw problem(path, "\"" + text + "\" must be an IP address with an optional port, e.g. \"127.0.0.1:5353\"");
            }
            try {
                // A literal: getByName parses it without a lookup.
                return new java.net.InetSocketAddress(java.net.InetAddress.getByName(m.group(1) != null ? m.group(1) : m.group(2)), port);
            } catch (java.net.UnknownHostException e) {
                throw problem(path, "\"" + text + "\" is not an IP address; name servers are given by address");
            }
        }

        /** {@code discovery}: {@code {"etcd": {"endpoints": ["http://127.0.0.1:2379"], "prefix": "/lb/backends/"}}}. */
        private EtcdConfig etcd(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("discovery");
            if (node == null || node.isNull()) {
                return EtcdConfig.OFF;
            }
            ObjectNode discovery = object(node, "discovery");
            Fields.checkKnown(source, discovery, "discovery", Set.of("etcd"));
            JsonNode etcdNode = discovery.get("etcd");
            if (etcdNode == null || etcdNode.isNull()) {
                return EtcdConfig.OFF;
            }
            ObjectNode etcd = object(etcdNode, "discovery.etcd");
            String p = "discovery.etcd";
            Fields.checkKnown(source, etcd, p, Set.of("endpoints", "prefix", "adminPrefix"));
            JsonNode list = etcd.get("endpoints");
            if (list == null || !list.isArray() || list.isEmpty()) {
                throw problem(p + ".endpoints", "must list etcd's client URLs, e.g. [\"http://127.0.0.1:2379\"]");
            }
            List<URI> endpoints = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String path = p + ".endpoints[" + i + "]";
                String text = list.get(i).isTextual() ? list.get(i).textValue() : null;
                URI uri = null;
                try {
                    uri = text == null ? null : new URI(text);
                } catch (java.net.URISyntaxException e) {
                    // reported below
                }
                if (uri == null || !"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                    throw problem(path, (text == null ? kind(list.get(i)) : "\"" + text + "\"")
                            + " is not an etcd client URL; give one like \"http://127.0.0.1:2379\"");
                }
                endpoints.add(uri);
            }
            String prefix = string(etcd, p, "prefix", EtcdConfig.DEFAULT_PREFIX);
            if (prefix.isEmpty()) {
                throw problem(p + ".prefix", "is empty; give the key prefix of the backends, e.g. \"/lb/backends/\"");
            }
            return new EtcdConfig(endpoints, prefix, etcdAdminPrefix(etcd, p, prefix));
        }

        /** {@code discovery.etcd.adminPrefix}: fleet-wide changes; derived from the prefix when left out. */
        private String etcdAdminPrefix(ObjectNode etcd, String p, String prefix) throws ConfigException {
            String adminPrefix = string(etcd, p, "adminPrefix", EtcdConfig.defaultAdminPrefix(prefix));
            if (adminPrefix.isEmpty()) {
                throw problem(p + ".adminPrefix", "is empty; give a prefix of its own, e.g. \"/lb/admin/\", or leave it out");
            }
            if (EtcdConfig.overlap(prefix, adminPrefix)) {
                throw problem(p + ".adminPrefix", "\"" + adminPrefix + "\" overlaps the backends' prefix \"" + prefix
                        + "\"; give it a prefix of its own, e.g. \"/lb/admin/\"");
            }
            return adminPrefix;
        }

        /** Parses a backend base URL; see {@link BackendUrls}. */
        private URI backendUri(String url, String path) throws ConfigException {
            try {
                return BackendUrls.parse(url);
            } catch (IllegalArgumentException e) {
                throw problem(path, e.getMessage());
            }
        }

        private HealthCheckConfig healthCheck(ObjectNode top) throws ConfigException {
            int intervalSeconds = integer(top, "healthCheckInterval", DEFAULT_HEALTH_INTERVAL_SECONDS, 1, 86_400);
            JsonNode node = top.get("healthCheck");
            ObjectNode hc = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "healthCheck");
            String p = "healthCheck";
            Fields.checkKnown(source, hc, p, Set.of("path", "timeoutMs", "healthyThreshold", "unhealthyThreshold"));
            String checkPath = string(hc, p, "path", "/health");
            if (!checkPath.startsWith("/")) {
                throw problem(p + ".path", "\"" + checkPath + "\" must start with \"/\"");
            }
            int defaultTimeoutMs = (int) Math.min(2_000, intervalSeconds * 1000L);
            int timeoutMs = integer(hc, p, "timeoutMs", defaultTimeoutMs, 1, 600_000);
            int healthy = integer(hc, p, "healthyThreshold", 2, 1, 100);
            int unhealthy = integer(hc, p, "unhealthyThreshold", 1, 1, 100);
            return new HealthCheckConfig(checkPath, Duration.ofSeconds(intervalSeconds),
                    Duration.ofMillis(timeoutMs), healthy, unhealthy);
        }

        private QueueConfig queue(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("queue");
            ObjectNode q = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "queue");
            Fields.checkKnown(source, q, "queue", Set.of("maxSize", "timeoutMs"));
            int maxSize = integer(q, "queue", "maxSize", QueueConfig.DEFAULT_MAX_SIZE, 0, 1_000_000);
            int timeoutMs = integer(q, "queue", "timeoutMs", (int) QueueConfig.DEFAULT_TIMEOUT.toMillis(), 1, 3_600_000);
            return new QueueConfig(maxSize, Duration.ofMillis(timeoutMs));
        }

        private TimeoutConfig timeouts(ObjectNode top) throws ConfigException {
            JsonNode node = top.get("timeouts");
            ObjectNode t = node == null || node.isNull() ? MAPPER.createObjectNode() : object(node, "timeouts");
            Fields.checkKnown(source, t, "timeouts", Set.of("connectMs", "readMs", "backendIdleMs", "requestHeadMs",
                    "requestBodyIdleMs"));
            int connectMs = integer(t, "timeouts", "connectMs", 2_000, 1, 600_000);
            int readMs = integer(t, "timeouts", "readMs", 30_000, 1, 3_600_000);
            int backendIdleMs = integer(t, "timeouts", "backendIdleMs",
                    (int) TimeoutConfig.DEFAULT_BACKEND_IDLE.toMillis(), 1, 3_600_000);
            int requestHeadMs = integer(t, "timeouts", "requestHeadMs",
                    (int) TimeoutConfig.DEFAULT_REQUEST_HEAD.toMillis(), 100, 3_600_000);
            int requestBodyIdleMs = integer(t, "timeouts", "requestBodyIdleMs",
                    (int) TimeoutConfig.DEFAULT_REQUEST_BODY_IDLE.toMillis(), 100, 3_600_000);
            return new TimeoutConfig(Duration.ofMillis(connectMs), Duration.ofMillis(readMs),
                    Duration.ofMillis(backendIdleMs), Duration.ofMillis(requestHeadMs), Duration.ofMillis(requestBodyIdleMs));
        }

        // --- typed field access; each names the field's full path in its message ---

        private ObjectNode object(JsonNode node, String path) throws ConfigException {
            if (!node.isObject()) {
                throw new ConfigException(source + ": " + (path.isEmpty() ? "the top level" : path)
                        + " must be a JSON object, not " + kind(node));
            }
            return (ObjectNode) node;
        }

        private int port(ObjectNode obj, String field, Integer fallback) throws ConfigException {
            if (fallback == null && !obj.hasNonNull(field)) {
                throw problem(field, "missing; give the port to listen on, e.g. \"" + field + "\": 8080");
            }
            return integer(obj, "", field, fallback == null ? 0 : fallback, 0, 65_535);
        }

        private int integer(ObjectNode obj, String field, int fallback, int min, int max) throws ConfigException {
            return integer(obj, "", field, fallback, min, max);
        }

        private int integer(ObjectNode obj, String parent, String field, int fallback, int min, int max)
                throws ConfigException {
            JsonNode node = obj.get(field);
            if (node == null || node.isNull()) {
                return fallback;
            }
            String path = join(parent, field);
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw problem(path, "must be a whole number between " + min + " and " + max + ", not " + node);
            }
            int value = node.intValue();
            if (value < min || value > max) {
                throw problem(path, value + " is out of range; use " + min + " to " + max);
            }
            return value;
        }

        private String string(ObjectNode obj, String field, String fallback) throws ConfigException {
            return string(obj, "", field, fallback);
        }

        private String string(ObjectNode obj, String parent, String field, String fallback) throws ConfigException {
            JsonNode node = obj.get(field);
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isTextual()) {
                throw problem(join(parent, field), "must be a string, not " + kind(node));
            }
            return node.textValue();
        }

        private boolean bool(ObjectNode obj, String parent, String field, boolean fallback) throws ConfigException {
            JsonNode node = obj.get(field);
            if (node == null || node.isNull()) {
                return fallback;
            }
            if (!node.isBoolean()) {
                throw problem(join(parent, field), "must be true or false, not " + node);
            }
            return node.booleanValue();
        }

        private ConfigException problem(String path, String message) {
            return new ConfigException(source + ": " + path + " " + message);
        }

        private static String join(String parent, String field) {
            return parent.isEmpty() ? field : parent + "." + field;
        }

        private static String kind(JsonNode node) {
            return switch (node.getNodeType()) {
                case ARRAY -> "a list";
                case OBJECT -> "an object";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
            };
        }
    }
}
