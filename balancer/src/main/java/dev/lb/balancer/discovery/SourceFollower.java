package dev.lb.balancer.discovery;

import dev.lb.balancer.backend.BackendPool;
import dev.lb.balancer.backend.BackendSource;
import dev.lb.balancer.backend.SourceEvent;
import dev.lb.balancer.control.RuntimeControl;

import java.time.Clock;
import java.util.List;

/**
 * Applies one source's answers to the pool and keeps its status. A failure changes no membership: the
 * last answer applied stays, one line is logged and one {@link SourceEvent} published (a Watch event)
 * when the source starts failing, and one of each when it answers again. Called from the source's own thread only; {@link #status()} may be read from any thread.
 */
final class SourceFollower {
    private static final System.Logger LOG = System.getLogger(SourceFollower.class.getName());

    private final BackendSource source;
    private final RuntimeControl control;
    private final BackendPool pool;
    private final Clock clock;
    /** Null for sources whose empty answer is a fact (etcd: every key deleted), not a glitch. */
    private final EmptyAnswerGuard guard;
    /** Replaced whole by the source's thread; read by status and metrics. */
    private volatile SourceStatus status;

    SourceFollower(BackendSource source, RuntimeControl control, BackendPool pool, Clock clock, boolean holdBackEmpty) {
        this.source = source;
        this.guard = holdBackEmpty ? new EmptyAnswerGuard() : null;
        this.control = control;
        this.pool = pool;
        this.clock = clock;
        this.status = new SourceStatus(source.detail(), SourceStatus.State.STARTING, 0, "", null, 0);
    }

    SourceStatus status() {
        return status;
    }

    BackendSource source() {
        return source;
    }

    /** A fresh answer: applied, unless it is an empty one the guard holds back. */
    void answered(Answer answer) {
        SourceStatus before = status;
        if (before.state() == SourceStatus.State.FAILING) {
            LOG.log(System.Logger.Level.INFO, "{0} answers again; resynchronising ({1} failed attempts since start)",
                    source.detail(), before.failures());
        }
        long current = pool.all().stream().filter(b -> b.source().equals(source)).count();
        int count = before.backends();
        if (guard == null || guard.apply(answer.backends().size(), (int) current)) {
            List<String> changes = control.follow(source, answer.backends(), source.detail());
            if (!changes.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "{0}: {1}", source.detail(), String.join("; ", changes));
            }
            count = answer.backends().size();
        } else {
            LOG.log(System.Logger.Level.WARNING, "{0} named no backend while {1} are in the pool; keeping them "
                    + "until the next answer confirms it", source.detail(), current);
        }
        status = new SourceStatus(source.detail(), SourceStatus.State.OK, count, "", clock.instant(), before.failures());
        if (before.state() == SourceStatus.State.FAILING) {
            pool.publishSource(new SourceEvent(source.detail(), true, "", count, clock.instant()));
        }
    }

    /** The source could not be asked: nothing changes in the pool. */
    void failed(String reason) {
        SourceStatus before = status;
        if (before.state() != SourceStatus.State.FAILING) {
            LOG.log(System.Logger.Level.WARNING, "{0} is unreachable ({1}); keeping the {2} backends it last gave",
                    source.detail(), reason, before.backends());
            pool.publishSource(new SourceEvent(source.detail(), false, reason, before.backends(), clock.instant()));
        }
        status = new SourceStatus(source.detail(), SourceStatus.State.FAILING, before.backends(), reason,
                before.lastSuccess(), before.failures() + 1);
    }
}
