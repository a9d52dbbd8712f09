package dev.lb.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A wrong command line as one line on stderr naming the problem and where the help is, and exit 2:
 * {@code lbctl: Unknown option: '--bogus' (see "lbctl status --help")}. An unknown command gets a
 * suggestion only when it is close to a real one ("stauts", "stat"), never a guess at random.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("lbctl: " + describe(e));
        err.flush();
        return ExitCodes.USAGE;
    }

    private static String describe(ParameterException e) {
        CommandLine command = e.getCommandLine();
        String help = "(see \"" + command.getCommandSpec().qualifiedName() + " --help\")";
        if (e instanceof UnmatchedArgumentException unmatched && command.getParent() == null
                && !unmatched.getUnmatched().isEmpty() && !unmatched.getUnmatched().get(0).startsWith("-")) {
            return unknownCommand(unmatched.getUnmatched().get(0), List.copyOf(command.getSubcommands().keySet()));
        }
        return e.getMessage() + " " + help;
    }

    /** "unknown command "stauts"; did you mean "status"?" or, when nothing is close, the list of commands. */
    static String unknownCommand(String given, List<String> commands) {
        Optional<String> close = closest(given, commands);
        return close.map(name -> "unknown command \"" + given + "\"; did you mean \"" + name + "\"?")
                .orElseGet(() -> "unknown command \"" + given + "\"; the commands are " + String.join(", ", commands)
                        + " (see \"lbctl --help\")");
    }

    /**
     * The one command that {@code given} starts (3 letters at least) or is a slip of: 1 edit (insert,
     * delete, replace or swap of neighbours) for words under 5 letters, 2 for longer ones. None when
     * none or several are that close.
     */
    static Optional<String> closest(String given, List<String> commands) {
        String typed = given.toLowerCase(Locale.ROOT);
        int slips = typed.length() < 5 ? 1 : 2;
        List<String> close = commands.stream()
                .filter(name -> (typed.length() >= 3 && name.startsWith(typed)) || distance(typed, name) <= slips)
                .toList();
        return close.size() == 1 ? Optional.of(close.get(0)) : Optional.empty();
    }

    /** Optimal string alignment distance: insertions, deletions, replacements and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
