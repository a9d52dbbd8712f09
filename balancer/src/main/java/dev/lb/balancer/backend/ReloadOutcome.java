package dev.lb.balancer.backend;

import java.time.Instant;
import java.util.List;

/**
 * What a config reload did. A rejected reload ({@code applied == false}) changed nothing and says why in
 * {@code error}; an applied one lists what changed and which settings wait for a restart.
 *
 * @param applied      whether the new config took effect
 * @param source       the config file that was read
 * @param changes      one line per change applied, e.g. "added http://localhost:8004 (weight 1)"
 * @param needsRestart one line per changed setting that only a restart applies, e.g. "port 8080 -> 8081"
 * @param error        why the reload was rejected; empty when applied
 * @param actor        who asked: "SIGHUP", "admin", an operator's "user@host"
 * @param at           when the reload finished
 */
public record ReloadOutcome(boolean applied, String source, List<String> changes, List<String> needsRestart,
                            String error, String actor, Instant at) {

    public ReloadOutcome {
        changes = List.copyOf(changes);
        needsRestart = List.copyOf(needsRestart);
    }

    public static ReloadOutcome rejected(String source, String error, String actor, Instant at) {
        return new ReloadOutcome(false, source, List.of(), List.of(), error, actor, at);
    }

    /** One line for the log and for operators. */
    public String summary() {
        if (!applied) {
            return "config reload rejected: " + error; // the error names the file already
        }
        String what = changes.isEmpty() ? "no changes" : String.join("; ", changes);
        String restart = needsRestart.isEmpty() ? "" : "; needs a restart to apply: " + String.join(", ", needsRestart);
        return "reloaded " + source + ": " + what + restart;
    }
}
