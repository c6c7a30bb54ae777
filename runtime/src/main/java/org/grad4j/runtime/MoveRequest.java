package org.grad4j.runtime;

/**
 * Thrown by {@link Ctx#enterForward} when a taped recursion's forward pass, run on the caller's
 * thread, has got deep: the recursion's entry catches it and runs the pass again on a worker.
 * Never seen outside generated code. One shared instance without a stack trace: it is control
 * flow, thrown where the stack may be nearly full.
 */
public final class MoveRequest extends RuntimeException {
    public static final MoveRequest INSTANCE = new MoveRequest();

    private MoveRequest() {
        super("grad4j: a taped recursion moves to a worker", null, false, false);
    }
}
