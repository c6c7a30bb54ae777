package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.TransformException;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data handed through layers that may be overridden: {@code h = layer.apply(w, x)} with {@code x}
 * a parameter of data, then {@code layer.apply(w, h)}. The call is virtual, so any class could
 * answer it; when no body loaded now writes the arrays it is given, the data goes in without a
 * shadow, and a class loaded later that does write one ({@link InPlaceLayer}) is refused where
 * the call links to it, instead of losing the derivative.
 */
class DataThroughLayersTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** Reads its input, returns a new array: not final, so overridable. */
    static class Layer {
        double[] apply(double[] w, double[] x) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = Math.tanh(w[i % w.length] * x[i] + 0.1 * i);
            return y;
        }
    }

    /** The differentiated code is in a class of its own, which makes no layer itself. */
    static final class Net {
        static double twoLayers(double[] w, Layer layer, double[] x) {
            double[] h = layer.apply(w, layer.apply(w, x));
            return h[0] * h[1] + h[2];
        }
    }

    /** The same through a model's rows of data: {@code h = xs[k]}, then the layers. */
    static final class Stack {
        @Parameter double[] w = {0.4, -0.7, 0.9};
        final Layer[] layers = {new Layer(), new Layer()};

        double loss(double[][] xs) {
            double s = 0;
            for (double[] x : xs) {
                double[] h = x;
                for (Layer l : layers) h = l.apply(w, h);
                s += h[0] - h[1] * h[2];
            }
            return s;
        }
    }

    /** A loss generic in its data, implemented for arrays: the call passes the data as an Object. */
    interface LossOf<T> {
        double loss(T data, double[] w);
    }

    static final class PairLoss implements LossOf<double[]> {
        @Override
        public double loss(double[] d, double[] w) {
            return Math.abs(w[0] - d[0]) + Math.sin(w[1] * d[1]);
        }
    }

    static final LossOf<double[]> PAIRS = new PairLoss();

    /** Constants made into an array in the method and handed over as a generic T: data, not a differentiable array. */
    static double genericData(double[] w) {
        return PAIRS.loss(new double[] {0.3, 0.7}, w) + PAIRS.loss(new double[] {-0.2, 1.1}, w) * w[0];
    }

    @Test
    void anArrayOfConstantsPassedAsAGenericArgumentIsData() {
        CentralDifferences.check(DataThroughLayersTest::genericData, 0.9, -0.4);
        CentralDifferences.check(DataThroughLayersTest::genericData, -0.5, 1.3);
    }

    /** Before a layer that writes its input is loaded ({@link #aLayerLoadedLaterThatWritesItsDataIsRefused}). */
    private static void dataPassedThroughLayersThatOnlyReadIt() {
        Layer layer = new Layer();
        double[] x = {0.5, -1.0, 2.0};
        CentralDifferences.check(p -> Net.twoLayers(p, layer, x), 0.3, -0.6, 1.1);
        Stack net = new Stack();
        double[][] xs = {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}};
        CentralDifferences.checkParameter(Model.gradient(net, m -> m.loss(xs)), "w", net.w, () -> net.loss(xs));
    }

    /**
     * The gradients above, then the same function, its code generated while only {@link Layer} was
     * loaded, given an {@link InPlaceLayer}: its {@code apply} would store into the data, which has
     * no shadow, and is refused where the call links to it. One test: the class, once loaded,
     * stays loaded.
     */
    @Test
    void aLayerLoadedLaterThatWritesItsDataIsRefused() throws ReflectiveOperationException {
        dataPassedThroughLayersThatOnlyReadIt();
        double[] x = {0.5, -1.0, 2.0};
        Layer[] layer = {new Layer()};
        org.grad4j.VectorFunction f = p -> Net.twoLayers(p, layer[0], x);
        double[] w = {0.3, -0.6, 1.1};
        CentralDifferences.check(f, w);
        // made by name, after the gradient above: a `new InPlaceLayer()` here would have the verifier load
        // the class with this one (and a nested class, JUnit's discovery)
        layer[0] = (Layer) Class.forName("org.grad4j.agent.InPlaceLayer").getDeclaredConstructor().newInstance();
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f, w));
        assertTrue(e.getMessage().contains("InPlaceLayer.apply"), e.getMessage());
    }
}
