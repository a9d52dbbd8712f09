package dev.lb.balancer.page;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The page's files, read from the jar once at start: plain HTML, CSS and JavaScript, no build step and
 * nothing fetched from elsewhere at run time.
 */
final class Assets {
    /** One file and the Content-Type it is served with. */
    record Asset(String contentType, byte[] body) {
    }

    private static final String DIR = "/status-page/";
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "status.css", "text/css; charset=utf-8",
            "status.js", "text/javascript; charset=utf-8");

    private final Map<String, Asset> byPath;

    Assets() {
        Map<String, Asset> loaded = new java.util.HashMap<>();
        FILES.forEach((name, type) -> loaded.put("/" + name, new Asset(type, read(name))));
        loaded.put("/", loaded.get("/index.html"));
        byPath = Map.copyOf(loaded);
    }

    /** The file served at {@code path}, or null. */
    Asset at(String path) {
        return byPath.get(path);
    }

    private static byte[] read(String name) {
        try (InputStream in = Assets.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("status page file " + DIR + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
