package dev.lb.balancer.page;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lb.backendserver.BackendServer;
import dev.lb.balancer.backend.HealthEvent;
import dev.lb.balancer.backend.HealthState;
import dev.lb.balancer.testing.TestBalancer;
import dev.lb.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.lb.balancer.testing.TestBalancer.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page in a real browser: headless Chromium against a running balancer with three real
 * backends. Takes screenshots of the three states under {@code target/status-page/} and checks that a
 * killed backend's row says DOWN within one health interval, without a reload. Skipped, saying why,
 * where Chromium is not installed ({@code .ci/run} installs it).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StatusPageBrowserTest {
    /** Where the screenshots go: the module's target directory, beside the test reports. */
    static final Path SCREENSHOTS = Path.of("target", "status-page");
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void theBackendsAreLiveAndAKilledOneTurnsDownWithinOneHealthIntervalWithoutAReload() throws Exception {
        Optional<Path> chromium = HeadlessChromium.find();
        assumeTrue(chromium.isPresent(), "chromium is not installed (apt-get install chromium; or -Dlb.test.chromium=PATH):"
                + " the status page's browser test is skipped and takes no screenshots");

        try (TestBalancer live = TestBalancer.builder().backends(3).configFile(dir.resolve("balancer.json")).checkedEverySecond().json("\"metricsPort\": 0, \"healthCheckInterval\": " + INTERVAL.toSeconds()).start();
             Traffic traffic = Traffic.start(live);
             HeadlessChromium browser = HeadlessChromium.start(chromium.get(), dir.resolve("profile"), 1280, 860)) {
            String page = "http://127.0.0.1:" + live.balancer().metricsPort().orElseThrow() + "/";

            // given the page open, showing three backends UP, with a few sparkline points from the traffic
            browser.open(page);
            awaitPage(browser, "three rows, all UP, the stream live", "rows().length === 3"
                    + " && rows().every(r => r.dataset.state === 'UP' && r.textContent.includes('UP'))"
                    + " && document.getElementById('connection').dataset.state === 'live'");
            // A second load, as an operator's next visit: the browser's own start-up is not the page's.
            browser.open(page);
            awaitPage(browser, "the page loaded again and live", "document.readyState === 'complete' && rows().length === 3"
                    + " && performance.getEntriesByType('navigation')[0].loadEventEnd > 0");
            double loadMillis = browser.eval("(() => { const n = performance.getEntriesByType('navigation')[0];"
                    + " return n.loadEventEnd - n.startTime; })()").asDouble();
            System.out.printf("status page: loaded in %.1f ms (navigation start to load event)%n", loadMillis);
            awaitPage(browser, "two sparkline points", "document.querySelector('.spark.rps polyline')"
                    + ".getAttribute('points').split(' ').filter(p => p).length >= 2");
            browser.screenshot(SCREENSHOTS.resolve("healthy.png"));
            browser.eval("window.sameLoad = true");

            // when one backend is killed
            BackendServer victim = live.server(1);
            String victimName = url(victim);
            Instant killed = Instant.now();
            victim.close();

            // then its row says DOWN as soon as the balancer decides so, well within one health interval
            awaitPage(browser, "the killed backend's row DOWN", "row('" + victimName + "').dataset.state === 'DOWN'"
                    + " && row('" + victimName + "').querySelector('.state').textContent === 'DOWN'");
            Instant shown = Instant.now();
            HealthEvent down = live.backend(victim).history().stream().filter(e -> e.to() == HealthState.DOWN)
                    .reduce((first, second) -> second).orElseThrow(() -> new AssertionError("the balancer has no DOWN event"));
            Duration pageLag = Duration.between(down.at(), shown);
            System.out.printf("status page: killed -> DOWN on the page in %d ms (the balancer decided after %d ms: %s)%n",
                    Duration.between(killed, shown).toMillis(), Duration.between(killed, down.at()).toMillis(), down.reason());
            assertTrue(pageLag.compareTo(INTERVAL) < 0, "the page showed DOWN " + pageLag.toMillis()
                    + " ms after the balancer decided it, more than one health interval");
            assertTrue(browser.eval("window.sameLoad === true").asBoolean(), "the page was not reloaded");
            JsonNode tip = query(browser, "row('" + victimName + "').querySelector('.band[data-state=DOWN]').dataset.tip");
            assertTrue(tip.asText().startsWith("DOWN from "), "the strip's DOWN band names when and why: " + tip);
            assertEquals("DOWN", browser.eval("document.title.includes('2/3 up') ? 'DOWN' : document.title").asText());
            browser.screenshot(SCREENSHOTS.resolve("down.png"));

            // and a drained backend says DRAIN
            String drained = url(live.server(2));
            live.control().drain(drained);
            awaitPage(browser, "the drained backend's row DRAIN", "row('" + drained + "').dataset.state === 'DRAIN'"
                    + " && row('" + drained + "').textContent.includes('DRAIN')");
            browser.screenshot(SCREENSHOTS.resolve("draining.png"));

            // the strip is reachable with the keyboard, and focus survives the page's updates
            query(browser, "row('" + victimName + "').querySelector('.band[data-state=DOWN]').focus()");
            String before = browser.eval("document.body.dataset.updated").asText();
            awaitPage(browser, "the next update", "document.body.dataset.updated !== '" + before + "'");
            assertTrue(browser.eval("document.activeElement.classList.contains('band')"
                    + " && document.activeElement.dataset.state === 'DOWN'").asBoolean(), "focus kept on the DOWN band");

            // on a phone, in dark mode, every row fits the screen's width
            browser.viewport(390, 844, true);
            browser.colorScheme("dark");
            awaitPage(browser, "the phone layout", "getComputedStyle(document.querySelector('thead')).position === 'absolute'");
            assertTrue(browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1").asBoolean(),
                    "no sideways scrolling on a phone");
            browser.screenshot(SCREENSHOTS.resolve("phone-dark.png"));

            // and when the balancer goes away, the page says it is reconnecting
            traffic.close();
            live.balancer().stop(Duration.ZERO);
            awaitPage(browser, "the page saying reconnecting", "document.getElementById('connection').dataset.state === 'reconnecting'"
                    + " && document.getElementById('connection').textContent.startsWith('reconnecting')");
            System.out.println("status page: screenshots in " + SCREENSHOTS.toAbsolutePath());
        }
    }

    /** Waits until {@code condition} (JavaScript; {@code rows()} and {@code row(name)} are defined) holds in the page. */
    private static void awaitPage(HeadlessChromium browser, String what, String condition) {
        Await.until(what + " in the browser", PATIENCE, () -> {
            try {
                return query(browser, "Boolean(" + condition + ")").asBoolean();
            } catch (Exception e) {
                throw new AssertionError("could not ask the browser", e);
            }
        });
    }

    /** The value of {@code expression} in the page, where {@code rows()} and {@code row(name)} find the table's rows. */
    private static JsonNode query(HeadlessChromium browser, String expression) throws Exception {
        return browser.eval("(() => { const rows = () => [...document.querySelectorAll('#backends tbody tr')];"
                + " const row = (name) => rows().find(r => r.dataset.backend === name) || document.createElement('tr');"
                + " return " + expression + "; })()");
    }

    /**
     * Requests through the balancer on a thread of its own, so the page has rates to show: one every
     * 20 ms after the last ended, paced by a scheduler rather than a sleep in a loop.
     */
    private static final class Traffic implements AutoCloseable {
        private static final Duration PACE = Duration.ofMillis(20);

        private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "status-page-traffic");
            thread.setDaemon(true);
            return thread;
        });

        static Traffic start(TestBalancer live) {
            Traffic traffic = new Traffic();
            traffic.pacer.scheduleWithFixedDelay(() -> {
                try {
                    live.get("/");
                } catch (Exception e) {
                    // a request failing while a backend dies is part of the scene
                }
            }, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
            return traffic;
        }

        @Override
        public void close() throws InterruptedException {
            pacer.shutdownNow();
            pacer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
