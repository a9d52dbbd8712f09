package dev.lb.cli;

import dev.lb.admin.v1.DrainEvent;
import dev.lb.admin.v1.DrainProgress;
import dev.lb.admin.v1.DrainRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * {@code lbctl drain BACKEND [--wait] [--timeout 30s]}: no new requests for the backend; with
 * {@code --wait}, follows the in-flight count down to 0 over a server stream, no polling.
 */
@Command(name = "drain", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Drain a backend: no new requests go to it, requests in flight finish.",
                "With --wait, show the in-flight count going down and exit 0 once it reaches 0.",
                "Lasts until \"lbctl enable\", a reload or a restart.",
                "With --fleet, every balancer of the fleet drains it; --wait then waits until each one alive has 0 in flight.",
                "Exit codes: 0 done (drained, with --wait), 1 the balancer refused (unknown backend, in maintenance, being removed)"
                        + " or the drain was abandoned, 2 usage error, 3 balancer unreachable,"
                        + " 4 --timeout passed first (the backend stays draining)."})
final class DrainCommand extends ControlCommand {
    @Parameters(paramLabel = "BACKEND", description = "The backend's name or URL, as \"lbctl status\" lists it.")
    String backend;

    @Option(names = "--wait", description = "Follow the drain until nothing is in flight.")
    boolean waitForIt;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "With --wait: how long to wait for the drain (default: ${DEFAULT-VALUE}); "
                    + "without: how long to wait for the answer.")
    Duration timeout;

    @Mixin
    FleetOption fleetOption;

    @Override
    java.util.Optional<FleetOption> fleet() {
        return java.util.Optional.of(fleetOption);
    }

    @Override
    Duration deadline() {
        return timeout;
    }

    @Override
    public Integer call() {
        DrainRequest request = DrainRequest.newBuilder().setBackend(backend).setWait(waitForIt)
                .setActor(Actor.current()).setFleet(fleetOption.fleet).build();
        DrainProgress last = null;
        try (AdminConnection connection = target.connect()) {
            Iterator<DrainEvent> events = connection.blocking()
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).drain(request);
            while (events.hasNext()) {
                DrainEvent event = events.next();
                if (event.hasProgress()) {
                    last = event.getProgress();
                }
                print(event);
            }
        } catch (StatusRuntimeException e) {
            throw failure(e, last);
        }
        return ExitCodes.OK;
    }

    private CliFailure failure(StatusRuntimeException e, DrainProgress last) {
        var usage = fleetOption.usage(e);
        if (usage.isPresent()) {
            return usage.get();
        }
        if (last != null && e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return new CliFailure(ExitCodes.TIMED_OUT, display(last) + " still has " + Integer.toUnsignedString(last.getInFlight())
                    + " in flight after " + Formats.age(timeout) + "; it stays draining (\"lbctl enable "
                    + backend + "\" puts it back in rotation)");
        }
        if (e.getStatus().getCode() == Status.Code.ABORTED) {
            return new CliFailure(ExitCodes.FAILED, "drain abandoned: " + e.getStatus().getDescription());
        }
        return RpcErrors.failure(target, e, last == null ? timeout : null);
    }

    private void print(DrainEvent event) {
        if (json) {
            out().println(Formats.jsonLine(event));
        } else if (event.hasProgress()) {
            DrainProgress p = event.getProgress();
            String where = p.getInstance().isEmpty() ? "" : " on " + p.getInstance();
            String line = display(p) + ": draining" + where + ", " + Integer.toUnsignedString(p.getInFlight()) + " in flight";
            out().println(waitForIt ? Formats.clock(Formats.instant(p.getTime())) + " " + line : line);
        } else if (event.hasDone()) {
            out().println(Formats.clock(Formats.instant(event.getDone().getTime())) + " "
                    + display(event.getDone().getBackend(), event.getDone().getUrl()) + ": drained, nothing in flight"
                    + everywhere(event.getDone().getInstancesList()));
        }
        out().flush();
    }

    /** " on 3 balancers (a:9090, b:9090, c:9090)" for a fleet drain; empty for a local one. */
    private static String everywhere(java.util.List<String> instances) {
        return instances.isEmpty() ? "" : " on " + instances.size() + " balancer" + (instances.size() == 1 ? "" : "s")
                + " (" + String.join(", ", instances) + ")";
    }

    private static String display(DrainProgress p) {
        return display(p.getBackend(), p.getUrl());
    }

    private static String display(String name, String url) {
        return name.equals(url) ? url : name + " (" + url + ")";
    }
}
