package org.grad4j.transformer.examples;

/** A record in a file of its own (another nest): its private fields are out of reach of code generated for other classes. */
record Heading(double x, double y) {
    Heading scale(double s) {
        return new Heading(x * s, y * s);
    }

    double norm2() {
        return x * x + y * y;
    }
}
