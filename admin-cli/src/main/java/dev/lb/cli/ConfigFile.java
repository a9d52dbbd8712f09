package dev.lb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where lbctl's contexts live ({@code $LBCTL_CONFIG}, else {@code $XDG_CONFIG_HOME/lbctl/config.json},
 * else {@code ~/.config/lbctl/config.json}) and how they are read and written:
 *
 * <pre>
 * {"currentContext": "prod",
 *  "contexts": {"prod": {"targets": ["lb-1:9090", "lb-2:9090"], "cacert": "ca.pem", "cert": "alice.pem", "key": "alice.key"},
 *               "local": {"target": "localhost:9090"}}}
 * </pre>
 *
 * The file names certificates that can change the balancers, so it is read only when no one but its
 * owner may read or write it, as ssh does with its keys; lbctl writes it that way.
 */
final class ConfigFile {
    static final String PATH_ENV = "LBCTL_CONFIG";
    private static final Set<String> CONTEXT_FIELDS = Set.of("target", "targets", "cacert", "cert", "key");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path path;

    ConfigFile(Path path) {
        this.path = path;
    }

    /** The file the environment points at; it need not exist. */
    static ConfigFile locate(Map<String, String> env) {
        String explicit = env.get(PATH_ENV);
        if (explicit != null && !explicit.isBlank()) {
            return new ConfigFile(Path.of(explicit).toAbsolutePath());
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return new ConfigFile(base.resolve("lbctl").resolve("config.json").toAbsolutePath());
    }

    Path path() {
        return path;
    }

    /**
     * The contexts; none when the file does not exist.
     *
     * @throws CliFailure exit 2, when group or others may access the file, or it is not a valid config
     */
    ContextConfig read() {
        String text;
        try {
            refuseUnlessPrivate();
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return ContextConfig.EMPTY;
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, "cannot read " + path + ": " + e.getMessage());
        }
        try {
            return parse(JSON.readTree(text));
        } catch (JsonProcessingException e) {
            throw invalid("not valid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        }
    }

    /** Only a file no one else may read or write; a file system without POSIX modes is taken as it is. */
    private void refuseUnlessPrivate() throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
        if (!privateToOwner(mode)) {
            throw new CliFailure(ExitCodes.USAGE, "refusing to read " + path + ": others may access it (mode "
                    + PosixFilePermissions.toString(mode) + ") and it names client certificates; run: chmod 600 " + path);
        }
    }

    static boolean privateToOwner(Set<PosixFilePermission> mode) {
        return mode.stream().allMatch(p -> p == PosixFilePermission.OWNER_READ || p == PosixFilePermission.OWNER_WRITE
                || p == PosixFilePermission.OWNER_EXECUTE);
    }

    private ContextConfig parse(JsonNode root) {
        if (!root.isObject()) {
            throw invalid("the top level must be an object with \"currentContext\" and \"contexts\"");
        }
        JsonNode current = root.get("currentContext");
        if (current != null && !current.isNull() && !current.isTextual()) {
            throw invalid("\"currentContext\" must be a context's name");
        }
        Map<String, ContextConfig.Entry> contexts = new LinkedHashMap<>();
        JsonNode all = root.path("contexts");
        if (!all.isMissingNode() && !all.isObject()) {
            throw invalid("\"contexts\" must be an object of named contexts");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            contexts.put(field.getKey(), entry(field.getKey(), field.getValue()));
        }
        return new ContextConfig(current == null || current.isNull() ? null : current.asText(), contexts);
    }

    private ContextConfig.Entry entry(String name, JsonNode node) {
        String where = "contexts." + name;
        if (!node.isObject()) {
            throw invalid(where + " must be an object with target(s), cacert, cert and key");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!CONTEXT_FIELDS.contains(field)) {
                throw invalid(where + ": unknown field \"" + field + "\" (the fields are target, targets, cacert, cert, key)");
            }
        }
        List<Target> targets = new ArrayList<>();
        try {
            if (node.has("target")) {
                for (String one : text(node, where, "target").split(",")) {
                    targets.add(Target.parse(one.trim()));
                }
            }
            for (JsonNode one : node.path("targets")) {
                if (!one.isTextual()) {
                    throw invalid(where + ".targets must be a list of HOST:PORT strings");
                }
                targets.add(Target.parse(one.asText().trim()));
            }
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": " + e.getMessage());
        }
        return new ContextConfig.Entry(name, targets, file(node, where, "cacert"), file(node, where, "cert"),
                file(node, where, "key"));
    }

    private Path file(JsonNode node, String where, String field) {
        if (!node.hasNonNull(field)) {
            return null;
        }
        // Relative to the file, so a directory of config and certificates can be moved as a whole.
        return path.getParent().resolve(text(node, where, field)).normalize();
    }

    private String text(JsonNode node, String where, String field) {
        JsonNode value = node.get(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw invalid(where + "." + field + " must be a non-empty string");
        }
        return value.asText();
    }

    private CliFailure invalid(String problem) {
        return new CliFailure(ExitCodes.USAGE, path + ": " + problem);
    }

    /**
     * Replaces the file with {@code config}, readable and writable by the owner only, creating its
     * directory (owner only) when missing. Written beside it and moved over it, so a reader never sees
     * half a file.
     *
     * @throws CliFailure exit 1 when the file cannot be written
     */
    void write(ContextConfig config) {
        try {
            Path dir = path.getParent();
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            if (!Files.isDirectory(dir)) {
                if (posix) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            }
            Path temporary = posix
                    ? Files.createTempFile(dir, ".config", ".json", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile(dir, ".config", ".json");
            try {
                Files.writeString(temporary, JSON.writeValueAsString(toJson(config)) + "\n", StandardCharsets.UTF_8);
                move(temporary);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.FAILED, "cannot write " + path + ": " + e.getMessage());
        }
    }

    private void move(Path temporary) throws IOException {
        try {
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static ObjectNode toJson(ContextConfig config) {
        ObjectNode root = JSON.createObjectNode();
        if (config.current() != null) {
            root.put("currentContext", config.current());
        }
        ObjectNode contexts = root.putObject("contexts");
        for (ContextConfig.Entry entry : config.contexts().values()) {
            ObjectNode node = contexts.putObject(entry.name());
            if (entry.targets().size() == 1) {
                node.put("target", entry.targets().get(0).toString());
            } else if (!entry.targets().isEmpty()) {
                ArrayNode targets = node.putArray("targets");
                entry.targets().forEach(t -> targets.add(t.toString()));
            }
            putPath(node, "cacert", entry.caCert());
            putPath(node, "cert", entry.cert());
            putPath(node, "key", entry.key());
        }
        return root;
    }

    private static void putPath(ObjectNode node, String field, Path file) {
        if (file != null) {
            node.put(field, file.toString());
        }
    }
}
