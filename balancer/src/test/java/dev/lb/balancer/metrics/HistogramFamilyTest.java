package dev.lb.balancer.metrics;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.lb.balancer.metrics.BalancerMetrics.LATENCY_BUCKETS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistogramFamilyTest {
    private static final String NAME = "lb_request_duration_seconds";
    private static final String HELP = "Time from receiving a client request to the end of its answer, retries included";
    private static final double[] OBSERVED = {0.0005, 0.003, 0.7, 100};

    private final PrometheusRegistry registry = new PrometheusRegistry();

    @Test
    void expositionHasEveryBucketCumulativeWithCountAndSum() throws Exception {
        HistogramFamily family = new HistogramFamily(NAME, HELP, LATENCY_BUCKETS);
        registry.register(family);
        StripedHistogram series = family.series();
        for (double value : OBSERVED) {
            series.observe(value);
        }

        String text = Exposition.text(registry);

        assertTrue(text.contains("# HELP " + NAME + " " + HELP + "\n"), text);
        assertTrue(text.contains("# TYPE " + NAME + " histogram\n"), text);
        assertTrue(text.contains(NAME + "_bucket{le=\"0.001\"} 1\n"), text);
        assertTrue(text.contains(NAME + "_bucket{le=\"+Inf\"} 4\n"), text);
        Exposition exposition = Exposition.parse(text);
        List<Exposition.Sample> buckets = exposition.family(NAME).samples().stream()
                .filter(s -> s.name().equals(NAME + "_bucket")).toList();
        assertEquals(LATENCY_BUCKETS.length + 1, buckets.size());
        for (int i = 0; i < LATENCY_BUCKETS.length; i++) {
            assertEquals(LATENCY_BUCKETS[i], Double.parseDouble(buckets.get(i).labels().get("le")));
        }
        assertEquals(List.of(1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.0),
                buckets.stream().map(Exposition.Sample::value).toList());
        assertEquals(4, exposition.value(NAME + "_count"));
        assertEquals(100.7035, exposition.value(NAME + "_sum"), 1e-9);
    }

    @Test
    void expositionIsTheSameAsTheLibrarysClassicHistogram() throws Exception {
        PrometheusRegistry library = new PrometheusRegistry();
        Histogram libraryRequests = Histogram.builder().name(NAME).help(HELP)
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(library);
        Histogram libraryBackends = Histogram.builder().name("lb_backend_request_duration_seconds").help("Per backend")
                .labelNames("backend").classicOnly().classicUpperBounds(LATENCY_BUCKETS).withoutExemplars()
                .register(library);
        HistogramFamily requests = new HistogramFamily(NAME, HELP, LATENCY_BUCKETS);
        HistogramFamily backends = new HistogramFamily("lb_backend_request_duration_seconds", "Per backend",
                LATENCY_BUCKETS, "backend");
        registry.register(requests);
        registry.register(backends);
        StripedHistogram ours = requests.series();

        assertSameExposition(library, registry); // nothing observed, no backend seen yet

        for (double value : new double[] {0.0005, 0.001, 0.003, 0.7, 1, 29.9, 30, 100, 0.25}) {
            libraryRequests.observe(value);
            ours.observe(value);
        }
        String[] names = {"http://127.0.0.1:1", "b \"quoted\"", "http://127.0.0.1:3"};
        for (int i = 0; i < names.length; i++) {
            for (int n = 0; n <= i; n++) {
                libraryBackends.labelValues(names[i]).observe(0.01 * (n + 1));
                backends.series(names[i]).observe(0.01 * (n + 1));
            }
        }
        libraryBackends.remove(names[2]);
        backends.remove(names[2]);

        assertSameExposition(library, registry);
    }

    @Test
    void aRemovedSeriesLeavesTheExpositionAndAnObservationThroughAKeptReferenceDoesNotBringItBack() throws Exception {
        HistogramFamily family = new HistogramFamily("lb_backend_request_duration_seconds", "Per backend",
                LATENCY_BUCKETS, "backend");
        registry.register(family);
        StripedHistogram a = family.series("a");
        StripedHistogram b = family.series("b");
        a.observe(0.1);
        b.observe(0.2);
        assertEquals(1, Exposition.parse(Exposition.text(registry))
                .value("lb_backend_request_duration_seconds_count", "backend", "b"));

        family.remove("b");
        b.observe(0.3); // a request that outlived the removal

        Exposition exposition = Exposition.parse(Exposition.text(registry));
        assertFalse(exposition.family("lb_backend_request_duration_seconds").samples().stream()
                .anyMatch(s -> "b".equals(s.labels().get("backend"))));
        assertEquals(1, exposition.value("lb_backend_request_duration_seconds_count", "backend", "a"));
        assertEquals(0, family.series("b").snapshot(Labels.EMPTY).getCount(),
                "a backend seen again starts from zero");
    }

    @Test
    void theRegistryRejectsASecondMetricWithTheSameName() {
        registry.register(new HistogramFamily(NAME, HELP, LATENCY_BUCKETS));

        assertThrows(IllegalArgumentException.class, () -> Histogram.builder().name(NAME).help(HELP)
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry));
    }

    @Test
    void labelValuesMustMatchTheLabelNames() {
        HistogramFamily family = new HistogramFamily("h", "help", LATENCY_BUCKETS, "backend");

        assertThrows(IllegalArgumentException.class, family::series);
        assertThrows(IllegalArgumentException.class, () -> family.series("a", "b"));
    }

    private static void assertSameExposition(PrometheusRegistry expected, PrometheusRegistry actual) throws IOException {
        assertEquals(Exposition.text(expected), Exposition.text(actual));
        assertEquals(openMetrics(expected), openMetrics(actual));
    }

    private static String openMetrics(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpenMetricsTextFormatWriter.builder().setCreatedTimestampsEnabled(false).build().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
