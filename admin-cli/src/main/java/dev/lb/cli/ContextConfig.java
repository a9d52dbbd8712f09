package dev.lb.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * lbctl's config file, as kubeconfig is kubectl's: named contexts, each a balancer (or several) and the
 * certificates to reach it with, and the context used when {@code --context} is not given.
 *
 * @param current  the current context's name; null for none
 * @param contexts by name, in the file's order
 */
record ContextConfig(String current, Map<String, ContextConfig.Entry> contexts) {
    static final ContextConfig EMPTY = new ContextConfig(null, Map.of());

    ContextConfig {
        contexts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(contexts));
    }

    Optional<Entry> find(String name) {
        return Optional.ofNullable(contexts.get(name));
    }

    /** This config with {@code entry} added, or in place of the context of the same name. */
    ContextConfig with(Entry entry) {
        Map<String, Entry> changed = new LinkedHashMap<>(contexts);
        changed.put(entry.name(), entry);
        return new ContextConfig(current, changed);
    }

    ContextConfig withCurrent(String name) {
        return new ContextConfig(name, contexts);
    }

    ContextConfig without(String name) {
        Map<String, Entry> changed = new LinkedHashMap<>(contexts);
        changed.remove(name);
        return new ContextConfig(name.equals(current) ? null : current, changed);
    }

    /**
     * One named context. Certificate paths are absolute: the file's relative ones are taken from the
     * file's own directory when it is read.
     *
     * @param targets the balancers' admin APIs; empty to leave the target to flags or the default
     * @param caCert  as {@code --cacert}; null for none
     * @param cert    as {@code --cert}; null for none
     * @param key     as {@code --key}; null for none
     */
    record Entry(String name, List<Target> targets, java.nio.file.Path caCert, java.nio.file.Path cert,
                 java.nio.file.Path key) {
        Entry {
            targets = List.copyOf(targets);
        }
    }
}
