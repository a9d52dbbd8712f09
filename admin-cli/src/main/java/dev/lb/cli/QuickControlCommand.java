package dev.lb.cli;

import picocli.CommandLine.Option;

import java.time.Duration;

/** A control command answered at once by the balancer, so a short default {@code --timeout} fits. */
abstract class QuickControlCommand extends ControlCommand {
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Give up when the balancer has not answered after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    final Duration deadline() {
        return timeout;
    }
}
