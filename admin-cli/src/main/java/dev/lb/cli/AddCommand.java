package dev.lb.cli;

import dev.lb.admin.v1.AddBackendRequest;
import dev.lb.admin.v1.BackendChangeResponse;
import dev.lb.admin.v1.HealthState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


/** {@code lbctl add URL [--weight N] [--name NAME]}: a new backend, health-checked before it gets traffic. */
@Command(name = "add", mixinStandardHelpOptions = true, versionProvider = Lbctl.Version.class,
        description = {"Add a backend. It is health-checked at once and gets traffic after a check passes.",
                "Lasts until a reload or a restart: add it to the config file to keep it.",
                "Exit codes: 0 done, 1 the balancer refused (bad URL, URL or name already in the pool),"
                        + " 2 usage error (a --weight outside 0-1000 included), 3 balancer unreachable."})
final class AddCommand extends QuickControlCommand {
    @Parameters(paramLabel = "URL", description = "The backend's base URL, e.g. http://10.0.0.7:8080.")
    String url;

    @Option(names = "--weight", paramLabel = "N", description = "Its weight, 0 to 1000 (default: 1).")
    Integer weight;

    @Option(names = "--name", paramLabel = "NAME", description = "A short name to use instead of the URL.")
    String name;

    @Override
    public Integer call() {
        if (weight != null && (weight < 0 || weight > 1000)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--weight " + weight + " is out of range; use 0 to 1000 (0 = no new work)");
        }
        AddBackendRequest.Builder request = AddBackendRequest.newBuilder().setUrl(url).setActor(Actor.current());
        if (weight != null) {
            request.setWeight(weight);
        }
        if (name != null) {
            request.setName(name);
        }
        BackendChangeResponse answer = call(stub -> stub.addBackend(request.build()));
        // The first check runs at once and may already have passed by the time the answer is built.
        boolean up = answer.getBackend().getHealth() == HealthState.HEALTH_STATE_UP;
        out().println(json ? Formats.json(answer)
                : "added " + describe(answer.getBackend()) + (up ? "" : " (it gets traffic once a health check passes)"));
        out().flush();
        return ExitCodes.OK;
    }
}
