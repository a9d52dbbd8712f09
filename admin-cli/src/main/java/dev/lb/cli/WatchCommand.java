package dev.lb.cli;

import com.google.protobuf.util.Durations;
import dev.lb.admin.v1.WatchEvent;
import dev.lb.admin.v1.WatchRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code lbctl watch}: follows the balancer live. When the balancer goes away it says so and reconnects
 * with backoff; the first connection must succeed, so a wrong target fails at once. Stops with exit 0 on
 * Ctrl-C.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Follow the balancer live: a snapshot, then one line per health change and periodic stats.",
                "Reconnects with backoff when the balancer goes away; Ctrl-C stops (exit 0).",
                "With several targets (--target a:9090,b:9090, or a context naming several), follows them all, each line"
                        + " prefixed with its balancer; one unreachable at start is retried like one that went away.",
                "Exit codes: 0 stopped, 1 the balancer refused (with several targets: every one of them), 2 usage error,"
                        + " 3 balancer unreachable at start (one target only)."})
final class WatchCommand implements Callable<Integer> {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    @Mixin
    TargetOptions target;

    @Option(names = "--json", description = "Print each event as one JSON object per line.")
    boolean json;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "Seconds between stats lines, 0.1 to 3600 (default: ${DEFAULT-VALUE}).")
    double intervalSeconds;

    @Spec
    CommandSpec spec;

    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The balancers being watched; {@link #stop()} cancels their open streams from any thread. */
    private final List<Follow> follows = new CopyOnWriteArrayList<>();
    private volatile boolean running;

    /** Whether {@link #call()} is in progress. */
    boolean running() {
        return running;
    }

    /** Ends the watch as Ctrl-C does; {@link #call()} then returns 0. Safe from any thread. */
    void stop() {
        stopped.countDown();
        follows.forEach(Follow::cancel);
    }

    @Override
    public Integer call() throws InterruptedException {
        running = true;
        try {
            return watch();
        } finally {
            running = false;
        }
    }

    private int watch() throws InterruptedException {
        if (!(intervalSeconds >= 0.1 && intervalSeconds <= 3600)) {
            throw new ParameterException(spec.commandLine(), "--interval must be between 0.1 and 3600 seconds, not " + intervalSeconds);
        }
        WatchRequest request = WatchRequest.newBuilder()
                .setStatsInterval(Durations.fromNanos(Math.round(intervalSeconds * 1e9))).build();
        List<Target> targets = target.all();
        if (targets.size() == 1) {
            return follow(new Follow(targets.get(0), WatchPrinter.forMode(json, spec.commandLine().getOut()), false), request);
        }
        return watchSeveral(targets, request);
    }

    /**
     * One thread per balancer ({@code lbctl-watch-N}, owned by this call, which joins them all), each
     * line prefixed with the balancer's address (in JSON, each event wrapped as
     * {@code {"target": ..., "event": ...}}). A balancer unreachable at start is retried like one
     * that went away; one that refuses (a certificate, a role) is dropped with a notice.
     *
     * @return 0 when stopped, 1 when every balancer refused
     */
    private int watchSeveral(List<Target> targets, WatchRequest request) throws InterruptedException {
        target.tls().credentials(); // a missing certificate file is a usage error, told once rather than per balancer
        PrintWriter out = spec.commandLine().getOut();
        Object outLock = new Object();
        int width = targets.stream().mapToInt(t -> t.toString().length()).max().orElse(0);
        AtomicInteger refused = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target at = targets.get(i);
            String padded = String.format("%-" + width + "s  ", at);
            PrintWriter prefixed = LinePrefixer.writer(out, outLock, json
                    ? line -> "{\"target\":\"" + at.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"event\":" + line + "}"
                    : line -> padded + line);
            Follow follow = new Follow(at, WatchPrinter.forMode(json, prefixed), true);
            Thread thread = new Thread(() -> {
                try {
                    follow(follow, request);
                } catch (CliFailure e) {
                    refused.incrementAndGet();
                    notice(e.getMessage() + "; no longer watching " + at);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "lbctl-watch-" + (i + 1));
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        return refused.get() == targets.size() ? ExitCodes.FAILED : ExitCodes.OK;
    }

    /** One balancer's watch: its address, its printer, and the stream open now (for {@link #stop()}). */
    private static final class Follow {
        final Target at;
        final WatchPrinter printer;
        /** With several balancers, one unreachable at start is retried rather than the end of the command. */
        final boolean retryFromStart;
        volatile Context.CancellableContext current;

        Follow(Target at, WatchPrinter printer, boolean retryFromStart) {
            this.at = at;
            this.printer = printer;
            this.retryFromStart = retryFromStart;
        }

        void cancel() {
            Context.CancellableContext call = current;
            if (call != null) {
                call.cancel(null);
            }
        }
    }

    private int follow(Follow follow, WatchRequest request) throws InterruptedException {
        follows.add(follow);
        Duration backoff = FIRST_BACKOFF;
        boolean everConnected = false;
        try (AdminConnection connection = new AdminConnection(follow.at, target.tls())) {
            while (!stopping()) {
                Ended ended = watchOnce(follow, connection, request, everConnected);
                if (stopping()) {
                    break;
                }
                if (ended.fatal != null) {
                    throw ended.fatal;
                }
                if (!everConnected && !ended.connected && !follow.retryFromStart) {
                    throw RpcErrors.failure(follow.at, target.tls(), ended.error, null);
                }
                if (ended.connected) {
                    everConnected = true;
                    backoff = FIRST_BACKOFF;
                    notice("lost the balancer at " + follow.at + " (" + ended.reason + "); reconnecting in "
                            + Formats.age(backoff));
                } else {
                    notice("still cannot reach " + follow.at + " (" + ended.reason + "); retrying in " + Formats.age(backoff));
                }
                if (stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        } finally {
            follows.remove(follow);
        }
        return ExitCodes.OK;
    }

    /** How one stream ended: whether it ever got a message, and why it stopped. */
    private record Ended(boolean connected, String reason, StatusRuntimeException error, CliFailure fatal) {
    }

    private Ended watchOnce(Follow follow, AdminConnection connection, WatchRequest request, boolean reconnecting) {
        Context.CancellableContext call = Context.current().withCancellation();
        follow.current = call;
        if (stopping()) {
            call.cancel(null); // stop() ran before this call was visible to it
        }
        Context previous = call.attach();
        boolean connected = false;
        try {
            Iterator<WatchEvent> events = connection.blocking().watch(request);
            while (events.hasNext()) {
                WatchEvent event = events.next();
                if (!connected && reconnecting) {
                    notice("reconnected to " + follow.at);
                }
                connected = true;
                follow.printer.print(event);
            }
            return new Ended(connected, "it ended the watch, probably shutting down", null, null);
        } catch (StatusRuntimeException e) {
            if (retryable(e)) {
                return new Ended(connected, RpcErrors.why(e, null), e, null);
            }
            return new Ended(connected, null, e, RpcErrors.failure(follow.at, target.tls(), e, null));
        } finally {
            call.detach(previous);
            call.cancel(null);
            follow.current = null;
        }
    }

    private static boolean retryable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return RpcErrors.unreachable(e) || code == Status.Code.CANCELLED || code == Status.Code.INTERNAL
                || code == Status.Code.UNKNOWN || code == Status.Code.ABORTED;
    }

    private boolean stopping() {
        return stopped.getCount() == 0;
    }

    /** Connection news goes to stderr, so stdout stays a clean stream of events (and of JSON lines). */
    private void notice(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(Formats.clock(Instant.now()) + " " + message);
        err.flush();
    }
}
