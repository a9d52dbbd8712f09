package dev.lb.balancer.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The keys of a fleet under its admin prefix, and their JSON values:
 * <pre>
 * ADMIN ops/BACKEND/state                  {"backend": "a", "op": "drain", "actor": "alice@laptop"}   the last drain, disable or enable
 * ADMIN ops/BACKEND/weight                 {"backend": "a", "op": "weight", "weight": 3, "actor": ...}
 * ADMIN instances/INSTANCE                 {"instance": "host:9090"}                                    leased: alive
 * ADMIN instances/INSTANCE/drains/BACKEND  {"backend": "a", "revision": 42, "inFlight": 0, "outcome": "drained"}  leased
 * </pre>
 * Names in keys are URL-encoded, so a URL as a backend's name stays one key segment.
 */
final class FleetKeys {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String adminPrefix;

    FleetKeys(String adminPrefix) {
        this.adminPrefix = adminPrefix;
    }

    String prefix() {
        return adminPrefix;
    }

    String op(FleetOp op) {
        return adminPrefix + "ops/" + encode(op.backend()) + "/" + op.kind().slot();
    }

    String instance(String instance) {
        return adminPrefix + "instances/" + encode(instance);
    }

    String drain(String instance, String backend) {
        return instance(instance) + "/drains/" + encode(backend);
    }

    /** What a key under the admin prefix is; empty for keys this version does not know. */
    Optional<Key> parse(String key) {
        if (!key.startsWith(adminPrefix)) {
            return Optional.empty();
        }
        String[] parts = key.substring(adminPrefix.length()).split("/", -1);
        if (parts.length == 3 && parts[0].equals("ops")) {
            return Optional.of(new Key(Key.Kind.OP, "", decode(parts[1])));
        }
        if (parts.length == 2 && parts[0].equals("instances")) {
            return Optional.of(new Key(Key.Kind.INSTANCE, decode(parts[1]), ""));
        }
        if (parts.length == 4 && parts[0].equals("instances") && parts[2].equals("drains")) {
            return Optional.of(new Key(Key.Kind.DRAIN, decode(parts[1]), decode(parts[3])));
        }
        return Optional.empty();
    }

    /** A key under the admin prefix: an op on a backend, an instance alive, or an instance's drain report. */
    record Key(Kind kind, String instance, String backend) {
        enum Kind { OP, INSTANCE, DRAIN }
    }

    static String opValue(FleetOp op) {
        ObjectNode node = MAPPER.createObjectNode().put("backend", op.backend())
                .put("op", op.kind().name().toLowerCase(Locale.ROOT)).put("actor", op.actor());
        if (op.kind() == FleetOp.Kind.WEIGHT) {
            node.put("weight", op.weight());
        }
        return node.toString();
    }

    /** @throws IllegalArgumentException naming the key and what is wrong with its value */
    static FleetOp op(String key, String value) {
        JsonNode node = read(key, value);
        String kind = node.path("op").asText("");
        FleetOp.Kind parsed;
        try {
            parsed = FleetOp.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd key " + key + ": op \"" + kind + "\" is not drain, disable, enable or weight");
        }
        if (!node.path("backend").isTextual() || (parsed == FleetOp.Kind.WEIGHT && !node.path("weight").isIntegralNumber())) {
            throw new IllegalArgumentException("etcd key " + key + ": needs \"backend\" (and \"weight\" for a weight)");
        }
        return new FleetOp(node.get("backend").textValue(), parsed, node.path("weight").asInt(0), node.path("actor").asText("fleet"));
    }

    static String instanceValue(String instance) {
        return MAPPER.createObjectNode().put("instance", instance).toString();
    }

    static String reportValue(DrainReport report) {
        return MAPPER.createObjectNode().put("instance", report.instance()).put("backend", report.backend())
                .put("revision", report.revision()).put("inFlight", report.inFlight())
                .put("outcome", report.outcome().name().toLowerCase(Locale.ROOT)).put("detail", report.detail()).toString();
    }

    static DrainReport report(String key, String value) {
        JsonNode node = read(key, value);
        DrainReport.Outcome outcome;
        try {
            outcome = DrainReport.Outcome.valueOf(node.path("outcome").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd key " + key + ": unknown drain outcome " + node.path("outcome"));
        }
        return new DrainReport(node.path("instance").asText(""), node.path("backend").asText(""),
                node.path("revision").asLong(0), node.path("inFlight").asInt(0), outcome, node.path("detail").asText(""));
    }

    private static JsonNode read(String key, String value) {
        try {
            JsonNode node = MAPPER.readTree(value);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new IllegalArgumentException("etcd key " + key + ": value is not a JSON object");
    }

    private static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }
}
