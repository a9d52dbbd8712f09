package dev.lb.cli;

import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.DisableRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;


/** {@code lbctl disable BACKEND}: maintenance, out of rotation at once with health checks paused. */
@Command(name = "disable", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Put a backend in maintenance: out of rotation at once (requests in flight finish), health checks paused.",
                "Lasts until \"lbctl enable\", a reload or a restart; with --fleet, on every balancer of the fleet.", ControlCommand.EXIT_CODES})
final class DisableCommand extends QuickControlCommand {
    @Parameters(paramLabel = "BACKEND", description = "The backend's name or URL, as \"lbctl status\" lists it.")
    String backend;

    @Mixin
    FleetOption fleetOption;

    @Override
    java.util.Optional<FleetOption> fleet() {
        return java.util.Optional.of(fleetOption);
    }

    @Override
    public Integer call() {
        BackendChangeResponse answer = call(stub -> stub.disable(
                DisableRequest.newBuilder().setBackend(backend).setActor(Actor.current()).setFleet(fleetOption.fleet).build()));
        out().println(json ? Formats.json(answer) : describe(answer.getBackend()) + " (health checks paused)");
        out().flush();
        return ExitCodes.OK;
    }
}
