package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Gradients;
import org.grad4j.Model;
import org.grad4j.Optimizer;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One array or tensor object reached in several places is one variable: its gradient is the sum
 * of its places' shares, one object handed out at every place, and an optimiser steps it once.
 * A data field that is a view of a parameter is refused, not silently given no gradient.
 * Expected gradients are derived by hand in each test's comment.
 */
class SharedParametersTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    private static INDArray vector(double... v) {
        return Nd4j.createFromArray(v);
    }

    public static double dot(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue();
    }

    /** sum(a·b) + sum(xs[0]·xs[1]) */
    public static double dotAndPair(INDArray a, INDArray b, INDArray[] xs) {
        return a.mul(b).sumNumber().doubleValue() + xs[0].mul(xs[1]).sumNumber().doubleValue();
    }

    public static double matrixDot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) s += a[i][j] * b[i][j];
        return s;
    }

    @Test
    void aTensorPassedTwiceGetsOneGradientTheSumOfBoth() throws Exception {
        Method m = getClass().getMethod("dot", INDArray.class, INDArray.class);
        INDArray w = vector(1, 2, 3);
        Gradients g = AD.gradient(m, null, w, w);
        // f(w, w) = Σ w², ∂/∂w = 2w
        assertEquals(vector(2, 4, 6), g.get(0));
        assertSame(g.get(0), g.get(1));
    }

    @Test
    void aTensorPassedAlsoInsideATensorArrayGetsOneGradient() throws Exception {
        Method m = getClass().getMethod("dotAndPair", INDArray.class, INDArray.class, INDArray[].class);
        INDArray w = vector(1, -2, 0.5), c = vector(4, 5, -6);
        Gradients g = AD.gradient(m, null, w, w, new INDArray[] {w, c});
        // Σ w² + Σ w·c: ∂/∂w = 2w + c, ∂/∂c = w
        INDArray[] pair = (INDArray[]) g.get(2);
        assertEquals(w.mul(2).add(c), g.get(0));
        assertSame(g.get(0), g.get(1));
        assertSame(g.get(0), pair[0]);
        assertEquals(w, pair[1]);
    }

    @Test
    void aMatrixPassedTwiceGetsOneGradientObject() throws Exception {
        Method m = getClass().getMethod("matrixDot", double[][].class, double[][].class);
        double[][] a = {{1, 2}, {3, -4}};
        Gradients g = AD.gradient(m, null, a, a);
        assertSame(g.get(0), g.get(1));
        assertArrayEquals(new double[] {2, 4}, ((double[][]) g.get(0))[0]);
        assertArrayEquals(new double[] {6, -8}, ((double[][]) g.get(0))[1]);
    }

    /** An autoencoder-like weight tying: dec is enc. */
    static final class TiedTensors {
        @Parameter INDArray enc = vector(1, 2, 3);
        @Parameter INDArray dec = enc;
        @Parameter INDArray bias = vector(0.5, -0.5, 1);
        final INDArray c = vector(2, -1, 0.5);

        /** Σ enc·dec·c + Σ tanh(enc)·bias: with enc = dec = w, ∂/∂w = 2w·c + (1 − tanh²w)·bias, ∂/∂bias = tanh w. */
        double loss() {
            return enc.mul(dec).mul(c).sumNumber().doubleValue() + Transforms.tanh(enc).mul(bias).sumNumber().doubleValue();
        }

        INDArray expectedDw() {
            INDArray t = Transforms.tanh(enc);
            return enc.mul(2).mul(c).add(t.mul(t).rsub(1).mul(bias));
        }
    }

    @Test
    void tiedTensorFieldsShareOneGradientTheSumOfBoth() {
        TiedTensors model = new TiedTensors();
        ParameterGradients g = Model.gradient(model, TiedTensors::loss);
        assertTrue(((INDArray) g.get("enc")).equalsWithEps(model.expectedDw(), 1e-12), g.get("enc").toString());
        assertSame(g.get("enc"), g.get("dec"));
        assertTrue(((INDArray) g.get("bias")).equalsWithEps(Transforms.tanh(model.enc), 1e-12));
    }

    @Test
    void anOptimiserStepsATiedTensorOnceWithOneState() {
        // Adam's first step moves each element by lr·g/(|g| + ε), whatever the scale of g
        TiedTensors model = new TiedTensors();
        INDArray w = model.enc.dup(), dw = model.expectedDw();
        Optimizer.adam(0.1).step(Model.gradient(model, TiedTensors::loss));
        INDArray expected = w.sub(dw.div(Transforms.abs(dw).add(1e-8)).mul(0.1));
        assertTrue(model.enc.equalsWithEps(expected, 1e-12), model.enc + " vs " + expected);
        assertSame(model.enc, model.dec);

        TiedTensors plain = new TiedTensors();
        INDArray w0 = plain.enc.dup(), dw0 = plain.expectedDw();
        Optimizer.sgd(0.01).step(Model.gradient(plain, TiedTensors::loss));
        assertTrue(plain.enc.equalsWithEps(w0.sub(dw0.mul(0.01)), 1e-12), plain.enc.toString());
    }

    /** A tensor that is both a field and an element of a tensor-array parameter. */
    static final class Layers {
        @Parameter INDArray first = vector(1, -1);
        @Parameter INDArray[] all = {first, vector(3, 4)};
        final INDArray c = vector(2, 5), e = vector(-3, 0.25);

        /** Σ all[0]·c + Σ first·e + Σ all[1]²: ∂/∂first = c + e, ∂/∂all[1] = 2·all[1]. */
        double loss() {
            return all[0].mul(c).sumNumber().doubleValue() + first.mul(e).sumNumber().doubleValue()
                    + all[1].mul(all[1]).sumNumber().doubleValue();
        }
    }

    @Test
    void aTensorInAFieldAndInATensorArrayIsOneParameter() {
        Layers model = new Layers();
        ParameterGradients g = Model.gradient(model, Layers::loss);
        INDArray[] all = (INDArray[]) g.get("all");
        assertEquals(vector(-1, 5.25), g.get("first"));
        assertSame(g.get("first"), all[0]);
        assertEquals(vector(6, 8), all[1]);
        Optimizer.sgd(0.5).step(g);
        assertEquals(vector(1.5, -3.625), model.first); // stepped once: (1, -1) − 0.5·(−1, 5.25)
        assertEquals(vector(0, 0), model.all[1]);
    }

    /** Tied array fields: the shadow of an array object is one already; the gradient objects are one too. */
    static final class TiedArrays {
        @Parameter double[] a = {1, 2, -3};
        @Parameter double[] b = a;
        @Parameter double[][] m = {{0.5, 1}, {2, -1}};
        @Parameter double[][] n = m;

        /** Σ a·b + Σ m∘n∘m: ∂/∂a = 2a, ∂/∂m = 3m². */
        double loss() {
            double s = 0;
            for (int i = 0; i < a.length; i++) s += a[i] * b[i];
            for (int i = 0; i < m.length; i++) for (int j = 0; j < m[i].length; j++) s += m[i][j] * n[i][j] * m[i][j];
            return s;
        }

        /** Reads neither: the zero gradients are shared too. */
        double nothing() {
            return 1.0;
        }
    }

    @Test
    void tiedArrayFieldsShareOneGradientAndOneStep() {
        TiedArrays model = new TiedArrays();
        ParameterGradients g = Model.gradient(model, TiedArrays::loss);
        assertArrayEquals(new double[] {2, 4, -6}, g.getArray("a"));
        assertSame(g.get("a"), g.get("b"));
        assertSame(g.get("m"), g.get("n"));
        assertArrayEquals(new double[] {0.75, 3}, ((double[][]) g.get("m"))[0]);
        assertArrayEquals(new double[] {12, 3}, ((double[][]) g.get("m"))[1]);
        Optimizer.sgd(0.1).step(g);
        assertArrayEquals(new double[] {0.8, 1.6, -2.4}, model.a, 1e-15); // once: a − 0.1·2a

        ParameterGradients none = Model.gradient(new TiedArrays(), TiedArrays::nothing);
        assertSame(none.get("a"), none.get("b"));
        assertSame(none.get("m"), none.get("n"));
    }

    /** Flattened parameters with convenience views that are not parameters. */
    static final class FlatWithViews {
        @Parameter INDArray params = Nd4j.linspace(DataType.DOUBLE, -0.5, 0.1, 6).reshape(1, 6);
        INDArray w = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 4)).reshape(2, 2);
        INDArray b = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(4, 6));

        double loss(INDArray x) {
            return Transforms.tanh(x.mmul(w).addRowVector(b)).sumNumber().doubleValue();
        }
    }

    /** A module holding an alias of a parameter of its parent. */
    static final class Outer {
        @Parameter INDArray w = vector(1, 2);
        final Inner inner = new Inner(w);
    }

    static final class Inner {
        final INDArray alias;

        Inner(INDArray w) {
            alias = w;
        }
    }

    @Test
    void aDataFieldThatIsAViewOfAParameterIsRefusedByName() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2}, {3, -1}});
        GradientException e = assertThrows(GradientException.class, () -> Model.gradient(new FlatWithViews(), m -> m.loss(x)));
        String message = e.getMessage();
        assertTrue(message.contains(FlatWithViews.class.getName() + ".w") && message.contains("@Parameter params"), message);
        assertTrue(message.contains("Mark w @Parameter instead") && message.contains("inside the loss"), message);

        GradientException alias = assertThrows(GradientException.class, () -> Model.gradient(new Outer(), m -> 1.0));
        assertTrue(alias.getMessage().contains(Inner.class.getName() + ".alias (at inner.alias)"), alias.getMessage());
    }

    /** The remedy: the views are the parameters, the flat buffer plain data. */
    static final class ViewsAsParameters {
        final INDArray flat = Nd4j.linspace(DataType.DOUBLE, -0.5, 0.1, 6).reshape(1, 6);
        @Parameter INDArray w = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 4)).reshape(2, 2);
        @Parameter INDArray b = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(4, 6));
        final INDArray copy = flat.dup(); // data that shares nothing

        double loss(INDArray x) {
            return Transforms.tanh(x.mmul(w).addRowVector(b)).sumNumber().doubleValue();
        }
    }

    @Test
    void parametersThatAreViewsOfADataBufferAreFine() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2}, {3, -1}});
        ViewsAsParameters model = new ViewsAsParameters();
        ParameterGradients g = Model.gradient(model, m -> m.loss(x));
        // z = x·w + b, loss = Σ tanh z: ∂/∂w = xᵀ·(1 − tanh² z), ∂/∂b = column sums of (1 − tanh² z)
        INDArray t = Transforms.tanh(x.mmul(model.w).addRowVector(model.b));
        INDArray d = t.mul(t).rsub(1);
        assertTrue(((INDArray) g.get("w")).equalsWithEps(x.transpose().mmul(d), 1e-12));
        assertTrue(((INDArray) g.get("b")).equalsWithEps(d.sum(0), 1e-12));
    }
}
