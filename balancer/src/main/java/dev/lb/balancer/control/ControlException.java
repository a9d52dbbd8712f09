package dev.lb.balancer.control;

/**
 * A runtime change was refused and nothing was changed. The message is one line naming the problem
 * ("unknown backend \"x\"; known: ..."), fit to show an operator as is; the kind says which sort of
 * problem it is, so the admin API can answer with a matching status code.
 */
public final class ControlException extends Exception {
    /** Why a change was refused. */
    public enum Kind {
        /** An argument is malformed: a bad URL, a weight out of range, no backend named. */
        INVALID,
        /** The named backend is not in the pool. */
        NOT_FOUND,
        /** The backend to add is already in the pool (same URL or name). */
        ALREADY_EXISTS,
        /** The backend's current state forbids the change (being removed, in maintenance). */
        CONFLICT
    }

    private final Kind kind;

    public ControlException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
