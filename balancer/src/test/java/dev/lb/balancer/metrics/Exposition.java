package dev.lb.balancer.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every line must
 * be a HELP, TYPE or sample line; every sample must belong to a family declared by a TYPE line before
 * it; histogram buckets must be cumulative and end in {@code +Inf} equal to {@code _count}. A violation
 * fails the test with the offending line.
 */
final class Exposition {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One metric family: its type and samples. */
    record Family(String name, String type, List<Sample> samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    private Exposition() {
    }

    /** The registry written in the text format the metrics endpoint serves. */
    static String text(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    static Exposition parse(String text) {
        Exposition exposition = new Exposition();
        Family current = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                continue;
            }
            if ((m = TYPE.matcher(line)).matches()) {
                if (exposition.families.containsKey(m.group(1))) {
                    throw new AssertionError("family declared twice: " + line);
                }
                current = new Family(m.group(1), m.group(2), new ArrayList<>());
                exposition.families.put(current.name(), current);
                continue;
            }
            if (line.startsWith("#")) {
                throw new AssertionError("unknown comment line: " + line);
            }
            if (!(m = SAMPLE.matcher(line)).matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            Sample sample = new Sample(m.group(1), labels(m.group(3), line), value(m.group(4), line));
            if (current == null || !belongs(sample.name(), current)) {
                throw new AssertionError("sample outside its family's TYPE block: " + line);
            }
            current.samples().add(sample);
        }
        exposition.families.values().forEach(Exposition::checkHistogram);
        return exposition;
    }

    private static boolean belongs(String sample, Family family) {
        String f = family.name();
        return switch (family.type()) {
            case "counter" -> sample.equals(f) && f.endsWith("_total") || sample.equals(f + "_total")
                    || sample.equals(f.replaceFirst("_total$", "") + "_created");
            case "histogram" -> sample.equals(f + "_bucket") || sample.equals(f + "_count")
                    || sample.equals(f + "_sum") || sample.equals(f + "_created");
            case "summary" -> sample.equals(f) || sample.equals(f + "_count") || sample.equals(f + "_sum")
                    || sample.equals(f + "_created");
            default -> sample.equals(f);
        };
    }

    private static Map<String, String> labels(String text, String line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new AssertionError("malformed labels at column " + at + ": " + line);
            }
            if (labels.put(m.group(1), m.group(2)) != null) {
                throw new AssertionError("label given twice: " + line);
            }
            at = m.end();
        }
        return labels;
    }

    private static double value(String text, String line) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    throw new AssertionError("bad value: " + line);
                }
            }
        };
    }

    /** Buckets of each series are cumulative, and the +Inf bucket equals the count. */
    private static void checkHistogram(Family family) {
        if (!family.type().equals("histogram")) {
            return;
        }
        Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
        for (Sample s : family.samples()) {
            if (s.name().endsWith("_bucket")) {
                Map<String, String> series = new LinkedHashMap<>(s.labels());
                series.remove("le");
                bySeries.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            }
        }
        bySeries.forEach((series, buckets) -> {
            double previousLe = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            for (Sample bucket : buckets) {
                double le = value(bucket.labels().get("le"), bucket.toString());
                if (le <= previousLe || bucket.value() < previousCount) {
                    throw new AssertionError(family.name() + series + ": buckets not cumulative at le=" + le);
                }
                previousLe = le;
                previousCount = bucket.value();
            }
            if (previousLe != Double.POSITIVE_INFINITY) {
                throw new AssertionError(family.name() + series + ": no +Inf bucket");
            }
            double count = family.samples().stream()
                    .filter(s -> s.name().equals(family.name() + "_count") && s.labels().equals(series))
                    .mapToDouble(Sample::value).findFirst()
                    .orElseThrow(() -> new AssertionError(family.name() + series + ": no _count"));
            if (count != previousCount) {
                throw new AssertionError(family.name() + series + ": +Inf bucket " + previousCount + " != _count " + count);
            }
        });
    }

    Family family(String name) {
        Family family = families.get(name);
        if (family == null) {
            throw new AssertionError("no metric family " + name + "; have " + families.keySet());
        }
        return family;
    }

    boolean has(String name) {
        return families.containsKey(name);
    }

    /** The value of the sample with this name and exactly these labels (pairs: name, value, ...). */
    double value(String sampleName, String... labelPairs) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            wanted.put(labelPairs[i], labelPairs[i + 1]);
        }
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(sampleName) && s.labels().equals(wanted))
                .mapToDouble(Sample::value).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + sampleName + wanted));
    }

    /** The sum of every sample with this name whose labels include these (pairs: name, value, ...). */
    double sum(String sampleName, String... labelPairs) {
        return families.values().stream().flatMap(f -> f.samples().stream())
                .filter(s -> s.name().equals(sampleName) && includes(s.labels(), labelPairs))
                .mapToDouble(Sample::value).sum();
    }

    private static boolean includes(Map<String, String> labels, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
