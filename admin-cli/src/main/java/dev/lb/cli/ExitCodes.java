package dev.lb.cli;

/** lbctl's exit codes, part of its contract with scripts. */
final class ExitCodes {
    /** Done. */
    static final int OK = 0;
    /** The balancer answered, but the request failed (e.g. no such backend). */
    static final int FAILED = 1;
    /** The command line is wrong. */
    static final int USAGE = 2;
    /** The balancer could not be reached at the target. */
    static final int UNREACHABLE = 3;
    /** A wait ended before what it waited for (drain --wait, remove): the change goes on in the balancer. */
    static final int TIMED_OUT = 4;

    private ExitCodes() {
    }
}
