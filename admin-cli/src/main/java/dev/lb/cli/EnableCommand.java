package dev.lb.cli;

import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.EnableRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;


/** {@code lbctl enable BACKEND}: back to normal, in rotation again once healthy. */
@Command(name = "enable", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Bring a backend back to normal after drain or disable: in rotation again as soon as health checks say healthy.",
                ControlCommand.EXIT_CODES})
final class EnableCommand extends QuickControlCommand {
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
        BackendChangeResponse answer = call(stub -> stub.enable(
                EnableRequest.newBuilder().setBackend(backend).setActor(Actor.current()).setFleet(fleetOption.fleet).build()));
        out().println(json ? Formats.json(answer) : describe(answer.getBackend()));
        out().flush();
        return ExitCodes.OK;
    }
}
