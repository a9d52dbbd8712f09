package dev.lb.balancer.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Set;

/** Rejects fields a config object does not know, suggesting the closest known name. */
final class Fields {
    private Fields() {
    }

    static void checkKnown(String source, ObjectNode object, String path, Set<String> known) throws ConfigException {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                String where = path.isEmpty() ? name : path + "." + name;
                String suggestion = known.stream()
                        .min(Comparator.comparingInt(k -> distance(k.toLowerCase(), name.toLowerCase())))
                        .filter(k -> distance(k.toLowerCase(), name.toLowerCase()) <= Math.max(2, name.length() / 3))
                        .map(k -> "; did you mean \"" + k + "\"?")
                        .orElse("; known fields here: " + String.join(", ", known.stream().sorted().toList()));
                throw new ConfigException(source + ": unknown field \"" + where + "\"" + suggestion);
            }
        }
    }

    /** Levenshtein distance, for "did you mean". */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
