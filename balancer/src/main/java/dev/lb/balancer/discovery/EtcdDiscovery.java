package dev.lb.balancer.discovery;

import dev.lb.balancer.config.EtcdConfig;
import dev.lb.balancer.config.ServerConfig;
import dev.lb.balancer.etcd.EtcdSession;
import dev.lb.balancer.util.Timers;
import dev.lb.etcd.etcdserverpb.RangeResponse;
import dev.lb.etcd.etcdserverpb.WatchResponse;
import dev.lb.etcd.mvccpb.Event;
import dev.lb.etcd.mvccpb.KeyValue;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Follows the backends under an etcd prefix: reads the prefix once, then watches it (etcd's Watch API,
 * no polling) from the revision after the last one seen, so a watch resumed after a lost connection
 * replays every change made meanwhile. The connection, its watch and the reconnects are an
 * {@link EtcdSession}'s; this class decides what the keys mean for the pool.
 *
 * <p>Every callback runs on the session's {@code etcd-discovery} thread, so the state below is confined
 * to it.
 */
final class EtcdDiscovery implements AutoCloseable, EtcdSession.Follower {
    private static final System.Logger LOG = System.getLogger(EtcdDiscovery.class.getName());

    private final SourceFollower follower;
    private final EtcdSession session;

    // --- confined to the etcd-discovery thread ---
    /** The backends by key, as of {@link #revision}. */
    private final Map<String, ServerConfig> backends = new TreeMap<>();
    /** Keys whose value could not be read, with the revision reported, so each is logged once. */
    private final Map<String, Long> badKeys = new HashMap<>();
    /** The last revision applied; 0 until the prefix has been read. */
    private long revision;
    /** Whether the prefix must be read whole before watching (first start, or history compacted). */
    private boolean mustRead = true;

    EtcdDiscovery(EtcdConfig config, SourceFollower follower, Timers timers) {
        this.follower = follower;
        this.session = new EtcdSession("etcd-discovery", config.endpoints(), config.prefix(), timers);
    }

    void start() {
        session.start(this);
    }

    @Override
    public void connected() {
        if (mustRead) {
            read();
        }
    }

    @Override
    public long revision() {
        return revision;
    }

    /** Reads every key under the prefix and applies the whole answer. */
    private void read() {
        RangeResponse range = session.readPrefix();
        backends.clear();
        range.getKvsList().forEach(this::put);
        revision = range.getHeader().getRevision();
        mustRead = false;
        follower.answered(answer());
    }

    @Override
    public void canceled(WatchResponse response) {
        // History since our revision is gone: only a fresh read can tell what changed.
        mustRead = true;
        LOG.log(System.Logger.Level.INFO, "etcd canceled the watch at revision {0} ({1}); reading the prefix again",
                revision, response.getCompactRevision() > 0
                        ? "history compacted to " + response.getCompactRevision() : response.getCancelReason());
    }

    @Override
    public void watching(int failedBefore) {
        follower.answered(answer()); // the source is back: the status says so, the pool is as it was
    }

    @Override
    public void changed(WatchResponse response) {
        for (Event event : response.getEventsList()) {
            if (event.getType() == Event.EventType.DELETE) {
                String key = event.getKv().getKey().toStringUtf8();
                backends.remove(key);
                badKeys.remove(key);
            } else {
                put(event.getKv());
            }
            revision = Math.max(revision, event.getKv().getModRevision());
        }
        if (response.getEventsCount() > 0) {
            follower.answered(answer());
        } else {
            // A progress notification: nothing changed up to this revision.
            revision = Math.max(revision, response.getHeader().getRevision());
        }
    }

    private void put(KeyValue kv) {
        String key = kv.getKey().toStringUtf8();
        try {
            backends.put(key, EtcdKeys.backend(key, kv.getValue().toStringUtf8()));
            badKeys.remove(key);
        } catch (IllegalArgumentException e) {
            backends.remove(key);
            if (!Objects.equals(badKeys.put(key, kv.getModRevision()), kv.getModRevision())) {
                LOG.log(System.Logger.Level.WARNING, "{0}; the key is left out", e.getMessage());
            }
        }
    }

    /** The backends as of now; two keys naming one URL give one backend. */
    private Answer answer() {
        Map<URI, ServerConfig> byUrl = new java.util.LinkedHashMap<>();
        backends.values().forEach(b -> byUrl.putIfAbsent(b.url(), b));
        return new Answer(List.copyOf(byUrl.values()), null);
    }

    /** The connection or watch failed: membership stays, and the session asks etcd again after a short wait. */
    @Override
    public void lost(String reason, int failuresInARow) {
        follower.failed(reason);
    }

    @Override
    public void close() {
        session.close();
    }
}
