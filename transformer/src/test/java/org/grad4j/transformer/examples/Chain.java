package org.grad4j.transformer.examples;

/** A linked list of data in a class of its own (its getters are not inlined into other classes' methods). */
public final class Chain {
    private final double v;
    private final Chain next;

    public Chain(double v, Chain next) {
        this.v = v;
        this.next = next;
    }

    public boolean isLast() {
        return next == null;
    }

    public Chain next() {
        return next;
    }

    public double value() {
        return v;
    }
}
