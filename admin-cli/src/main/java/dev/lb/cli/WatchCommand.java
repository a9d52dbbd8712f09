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
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code lbctl watch}: follows the balancer live. When the balancer goes away it says so and reconnects
 * with backoff; the first connection must succeed, so a wrong target fails at once. Stops with exit 0 on
 * Ctrl-C.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Follow the balancer live: a snapshot, then one line per health change and periodic stats.",
                "Reconnects with backoff when the balancer goes away; Ctrl-C stops (exit 0).",
                "Exit codes: 0 stopped, 1 the balancer refused, 2 usage error, 3 balancer unreachable at start."})
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
    private volatile Context.CancellableContext current;
    private volatile boolean running;

    /** Whether {@link #call()} is in progress. */
    boolean running() {
        return running;
    }

    /** Ends the watch as Ctrl-C does; {@link #call()} then returns 0. Safe from any thread. */
    void stop() {
        stopped.countDown();
        Context.CancellableContext call = current;
        if (call != null) {
            call.cancel(null);
        }
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
        WatchPrinter printer = WatchPrinter.forMode(json, spec.commandLine().getOut());
        Duration backoff = FIRST_BACKOFF;
        boolean everConnected = false;
        try (AdminConnection connection = target.connect()) {
            while (!stopping()) {
                Ended ended = watchOnce(connection, request, printer, everConnected);
                if (stopping()) {
                    break;
                }
                if (ended.fatal != null) {
                    throw ended.fatal;
                }
                if (!everConnected && !ended.connected) {
                    throw RpcErrors.failure(target, ended.error, null);
                }
                if (ended.connected) {
                    everConnected = true;
                    backoff = FIRST_BACKOFF;
                    notice("lost the balancer at " + target.target + " (" + ended.reason + "); reconnecting in "
                            + Formats.age(backoff));
                } else {
                    notice("still cannot reach " + target.target + " (" + ended.reason + "); retrying in " + Formats.age(backoff));
                }
                if (stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        return ExitCodes.OK;
    }

    /** How one stream ended: whether it ever got a message, and why it stopped. */
    private record Ended(boolean connected, String reason, StatusRuntimeException error, CliFailure fatal) {
    }

    private Ended watchOnce(AdminConnection connection, WatchRequest request, WatchPrinter printer, boolean reconnecting) {
        Context.CancellableContext call = Context.current().withCancellation();
        current = call;
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
                    notice("reconnected to " + target.target);
                }
                connected = true;
                printer.print(event);
            }
            return new Ended(connected, "it ended the watch, probably shutting down", null, null);
        } catch (StatusRuntimeException e) {
            if (retryable(e)) {
                return new Ended(connected, RpcErrors.why(e, null), e, null);
            }
            return new Ended(connected, null, e, RpcErrors.failure(target, e, null));
        } finally {
            call.detach(previous);
            call.cancel(null);
            current = null;
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
