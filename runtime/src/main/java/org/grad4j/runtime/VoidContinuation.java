package org.grad4j.runtime;

/** The rest of the program after a call that returns nothing. */
@FunctionalInterface
public interface VoidContinuation {
    void resume(Ctx ctx);
}
