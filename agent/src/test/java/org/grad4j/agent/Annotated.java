package org.grad4j.agent;

import org.grad4j.Differentiable;

/** A class the recording transformer must keep. */
final class Annotated {
    @Differentiable
    static double square(double x) {
        return x * x;
    }

    /** Refused by the transformer (DESIGN §4: the lock would be held across the continuation). */
    @Differentiable
    static synchronized double locked(double x) {
        return x * x;
    }
}
