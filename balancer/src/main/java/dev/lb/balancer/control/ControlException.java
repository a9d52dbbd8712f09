package dev.lb.balancer.control;

/**
 * A runtime change was refused and nothing was changed. The message is one line naming the problem
 * ("unknown backend \"x\"; known: ..."), fit to show an operator as is.
 */
public final class ControlException extends Exception {
    public ControlException(String message) {
        super(message);
    }
}
