package org.grad4j.agent;

/** A class the recording transformer must ignore. */
final class Plain {
    static double square(double x) {
        return x * x;
    }
}
