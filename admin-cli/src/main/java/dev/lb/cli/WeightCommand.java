package dev.lb.cli;

import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.SetWeightRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;


/** {@code lbctl weight BACKEND N}: a backend's share of new work. */
@Command(name = "weight", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Set a backend's weight, its share of new work: 0 to 1000, 0 = no new work (requests in flight finish).",
                "Lasts until a reload or a restart.",
                "Exit codes: 0 done, 1 the balancer refused (unknown backend, being removed),"
                        + " 2 usage error (a weight outside 0-1000 included), 3 balancer unreachable."})
final class WeightCommand extends QuickControlCommand {
    @Parameters(index = "0", paramLabel = "BACKEND", description = "The backend's name or URL, as \"lbctl status\" lists it.")
    String backend;

    @Parameters(index = "1", paramLabel = "N", description = "The new weight, 0 to 1000.")
    int weight;

    @Mixin
    FleetOption fleetOption;

    @Override
    java.util.Optional<FleetOption> fleet() {
        return java.util.Optional.of(fleetOption);
    }

    @Override
    public Integer call() {
        if (weight < 0 || weight > 1000) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "weight " + weight + " is out of range; use 0 to 1000 (0 = no new work)");
        }
        BackendChangeResponse answer = call(stub -> stub.setWeight(SetWeightRequest.newBuilder()
                .setBackend(backend).setWeight(weight).setActor(Actor.current()).setFleet(fleetOption.fleet).build()));
        out().println(json ? Formats.json(answer) : describe(answer.getBackend()));
        out().flush();
        return ExitCodes.OK;
    }
}
