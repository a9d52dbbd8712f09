package dev.lb.balancer.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lb.balancer.config.BackendUrls;
import dev.lb.balancer.config.ServerConfig;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/** What etcd keys and values mean to the balancer: one backend per key under the prefix. */
final class EtcdKeys {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("url", "weight", "name", "maxConnections");

    private EtcdKeys() {
    }

    /**
     * The backend a key's value describes: {@code {"url": "http://10.0.0.5:8080", "weight": 2, "name": "a"}}.
     *
     * @throws IllegalArgumentException naming what is wrong, for one log line
     */
    static ServerConfig backend(String key, String value) {
        JsonNode node;
        try {
            node = MAPPER.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("etcd key " + key + ": value is not JSON; write {\"url\": \"http://host:port\"}");
        }
        if (node == null || !node.isObject() || !node.path("url").isTextual()) {
            throw new IllegalArgumentException("etcd key " + key + ": value needs a \"url\", e.g. {\"url\": \"http://host:port\"}");
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("etcd key " + key + ": unknown field \"" + field + "\"; use " + FIELDS);
            }
        }
        URI url;
        try {
            url = BackendUrls.parse(node.get("url").textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd key " + key + ": url " + e.getMessage());
        }
        int weight = node.has("weight") ? node.get("weight").asInt(-1) : 1;
        if (weight < 0 || weight > 1000 || (node.has("weight") && !node.get("weight").isIntegralNumber())) {
            throw new IllegalArgumentException("etcd key " + key + ": weight must be a whole number from 0 to 1000");
        }
        int maxConnections = node.has("maxConnections") ? node.get("maxConnections").asInt(-1) : ServerConfig.NO_LIMIT;
        if (maxConnections < 0) {
            throw new IllegalArgumentException("etcd key " + key + ": maxConnections must be a whole number above 0");
        }
        String name = node.path("name").isTextual() && !node.get("name").textValue().isBlank()
                ? node.get("name").textValue().strip() : url.toString();
        return new ServerConfig(url, name, weight, false, maxConnections);
    }
}
