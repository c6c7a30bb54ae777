package org.grad4j.agent;

/**
 * A layer that writes into the array it is given, loaded only by {@link DataThroughLayersTest}
 * after its other gradients, by name: a class of its own, so that neither the verifier nor JUnit's
 * discovery of nested classes loads it earlier.
 */
final class InPlaceLayer extends DataThroughLayersTest.Layer {
    @Override
    double[] apply(double[] w, double[] x) {
        for (int i = 0; i < x.length; i++) x[i] = w[i % w.length] * x[i];
        return x;
    }
}
