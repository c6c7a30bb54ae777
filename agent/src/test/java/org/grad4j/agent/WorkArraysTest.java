package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.GradientException;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.grad4j.TransformException;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Work arrays: a buffer the caller allocates once and passes in (captured by the lambda given to
 * {@code AD}), which the differentiated code fills with differentiable values and reads back. The
 * outermost call gives such an array a zero shadow of its own; gradients are checked against
 * central differences of the plain function, at random points, with the buffer reused between
 * calls as users do.
 */
class WorkArraysTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    @Differentiable
    static double hidden(double[] w, double[] x, double[] h) {
        for (int i = 0; i < h.length; i++) h[i] = Math.tanh(w[i] * x[i] + w[(i + 1) % w.length]);
        double s = 0;
        for (int i = 0; i < h.length; i++) s += h[i] * h[i] * w[(i + 2) % w.length];
        return s;
    }

    @Test
    void aCapturedBufferFilledAndReadBack() {
        Random r = new Random(1);
        double[] x = {1.0, 2.0, -0.5, 0.25, 1.5};
        double[] h = new double[5];
        for (int trial = 0; trial < 5; trial++) {
            double[] w = random(r, 5);
            CentralDifferences.check(p -> hidden(p, x, h), w);
            AD.gradient(p -> hidden(p, x, h), w);
            double[] fresh = new double[5];
            hidden(w, x, fresh);
            assertArrayEquals(fresh, h, 0, "the buffer holds what the plain call leaves in it");
            assertEquals(hidden(w, x, new double[5]), AD.valueAndGradient(p -> hidden(p, x, h), w).value(), 0);
        }
    }

    /** Fills the buffer for its caller: a helper of another class, called, not inlined. */
    @Differentiable
    static double filledByAHelper(double[] w, double[] h) {
        Filler.squares(h, w);
        double s = 0;
        for (int i = 0; i < h.length; i++) s += Math.sin(h[i]) * w[i];
        return s;
    }

    /** Two calls deep: the buffer reaches the helper through a method that only passes it on. */
    @Differentiable
    static double passedOn(double[] w, double[] h) {
        return filledByAHelper(w, h) + 0.5 * h[0];
    }

    @Test
    void filledByACalleeOneOrTwoCallsDown() {
        Random r = new Random(2);
        double[] h = new double[4];
        for (int trial = 0; trial < 4; trial++) {
            double[] w = random(r, 4);
            CentralDifferences.check(p -> filledByAHelper(p, h), w);
            CentralDifferences.check(p -> passedOn(p, h), w);
        }
    }

    @Differentiable
    static double outerProducts(double[] w, double[][] m) {
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[i].length; j++) m[i][j] = w[i] * w[j] + w[(i + j) % w.length];
        double s = 0;
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[i].length; j++) s += m[i][j] * m[j][i] * (i + 1);
        return s;
    }

    @Test
    void aMatrixBuffer() {
        Random r = new Random(3);
        double[][] m = new double[4][4];
        for (int trial = 0; trial < 4; trial++) CentralDifferences.check(p -> outerProducts(p, m), random(r, 4));
    }

    @Differentiable
    static double floats(double[] w, float[] h) {
        for (int i = 0; i < h.length; i++) h[i] = (float) (w[i] * w[i]);
        double s = 0;
        for (int i = 0; i < h.length; i++) s += h[i] * w[(i + 1) % w.length];
        return s;
    }

    @Test
    void aFloatBuffer() {
        double[] w = {0.5, -1.25, 2.0};
        float[] h = new float[3];
        double[] g = AD.gradient(p -> floats(p, h), w);
        // d/dw_k of sum_i w_i^2 w_{i+1}: 2 w_k w_{k+1} + w_{k-1}^2 (float rounding of the squares aside)
        for (int k = 0; k < 3; k++) {
            double expected = 2 * w[k] * w[(k + 1) % 3] + w[(k + 2) % 3] * w[(k + 2) % 3];
            assertEquals(expected, g[k], 1e-6, "d/dw" + k);
        }
    }

    @Differentiable
    static double copiedAndFilled(double[] w, double[] h, double[] g) {
        System.arraycopy(w, 0, h, 0, w.length);
        java.util.Arrays.fill(g, w[0]);
        double s = 0;
        for (int i = 0; i < h.length; i++) s += h[i] * h[i] * g[i];
        return s;
    }

    @Test
    void copiedOrFilledIntoBuffers() {
        Random r = new Random(4);
        double[] h = new double[3], g = new double[3];
        for (int trial = 0; trial < 3; trial++) CentralDifferences.check(p -> copiedAndFilled(p, h, g), random(r, 3));
    }

    /** Reads the buffer's old contents first: what the previous call left there is data. */
    @Differentiable
    static double readBeforeWritten(double[] w, double[] h) {
        double s = 0;
        for (int i = 0; i < h.length; i++) {
            s += h[i] * w[i];
            h[i] = w[i] * w[i];
        }
        for (int i = 0; i < h.length; i++) s += h[i] * h[i];
        return s;
    }

    @Test
    void whatTheBufferHeldBeforeIsData() {
        double[] w = {0.5, -1.5, 2.0};
        double[] h = {3.0, 1.0, -2.0};
        double[] old = h.clone();
        double[] g = AD.gradient(p -> readBeforeWritten(p, h), w);
        for (int i = 0; i < 3; i++) assertEquals(old[i] + 4 * Math.pow(w[i], 3), g[i], 1e-12, "d/dw" + i);
        assertArrayEquals(new double[] {0.25, 2.25, 4.0}, h, 0);
    }

    /** Writes its first buffer, reads its second. */
    @Differentiable
    static double writesOneReadsOther(double[] w, double[] out, double[] in) {
        for (int i = 0; i < w.length; i++) out[i] = w[i] * w[i];
        double s = 0;
        for (int i = 0; i < w.length; i++) s += in[i] * w[i];
        return s;
    }

    @Test
    void theSameBufferCapturedTwice() {
        double[] h = new double[3];
        double[] sameAgain = h;
        // both names receive values: one shadow for the one array
        CentralDifferences.check(p -> copiedAndFilled(p, h, sameAgain), 0.5, -1.0, 2.0);
        // one name is only read: it would not see the other's shadow
        GradientException e = assertThrows(GradientException.class,
                () -> AD.gradient(p -> writesOneReadsOther(p, h, sameAgain), new double[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("captured value 2") && e.getMessage().contains("under another name"), e.getMessage());
        assertTrue(e.getMessage().contains("WorkArraysTest"), e.getMessage());
        // a row of a work matrix, captured as data too
        double[] row = new double[3];
        double[][] matrix = {row};
        GradientException r = assertThrows(GradientException.class,
                () -> AD.gradient(p -> rowWrittenReadElsewhere(p, matrix, row), new double[] {1, 2, 3}));
        assertTrue(r.getMessage().contains("captured value 2"), r.getMessage());
        // under another name, a field
        scratch = h;
        GradientException f = assertThrows(GradientException.class, () -> AD.gradient(p -> viaScratch(p, h), new double[] {1, 2, 3}));
        assertTrue(f.getMessage().contains("a read of the field") && f.getMessage().contains("scratch"), f.getMessage());
        scratch = new double[3];
    }

    /** Fills the buffer from {@code w}; the callers read it back through another object. */
    static void fill(double[] w, double[] h) {
        for (int i = 0; i < h.length; i++) h[i] = Math.tanh(w[i]) * w[(i + 1) % w.length];
    }

    static double sumOfSquares(java.util.function.IntToDoubleFunction get, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += get.applyAsDouble(i) * get.applyAsDouble(i);
        return s;
    }

    /** A view of a buffer, and an unrelated scale it reads too. */
    static final class View {
        final double[] buf;
        final double[] scale;

        View(double[] buf, double[] scale) {
            this.buf = buf;
            this.scale = scale;
        }

        double norm() {
            double s = 0;
            for (double v : buf) s += v * v;
            return s;
        }

        double weighted(double[] h) {
            double s = 0;
            for (int i = 0; i < h.length; i++) s += scale[i] * h[i] * h[i];
            return s;
        }
    }

    static double firstSquared(java.util.List<double[]> list) {
        double[] h = list.get(0);
        return h[0] * h[0] + h[1];
    }

    @Test
    void aBufferReadBackThroughAnotherObjectIsRefused() {
        double[] w = {0.3, -0.8, 1.1};
        double[] h = new double[3];
        java.util.function.IntToDoubleFunction get = i -> h[i];
        View view = new View(h, new double[] {1, 2, 3});
        java.util.List<double[]> list = java.util.List.of(h);
        String[][] cases = {{"an accessor called in the function", "IntToDoubleFunction.applyAsDouble"},
                {"an accessor passed to a helper", "IntToDoubleFunction.applyAsDouble"},
                {"a view object", "View.buf"}, {"a list", "taken from a collection"}};
        java.util.List<VectorFunction> functions = java.util.List.of(
                p -> { fill(p, h); return get.applyAsDouble(0) * get.applyAsDouble(1); },
                p -> { fill(p, h); return sumOfSquares(get, 3); },
                p -> { fill(p, h); return view.norm(); },
                p -> { fill(p, h); return firstSquared(list); });
        for (int c = 0; c < cases.length; c++) {
            VectorFunction f = functions.get(c);
            for (int again = 0; again < 2; again++) { // the second gradient starts from the mask asked for again
                // a refused read at run time, or a refused construct when the holder's code is generated
                RuntimeException e = assertThrows(RuntimeException.class, () -> AD.gradient(f, w), cases[c][0]);
                assertTrue(e instanceof GradientException || e instanceof TransformException, cases[c][0] + ": " + e);
                assertTrue(e.getMessage().contains(cases[c][1]) && e.getMessage().contains("WorkArraysTest"),
                        cases[c][0] + ": " + e.getMessage());
            }
        }
    }

    @Test
    void anObjectHoldingTheBufferWhoseCodeReadsItThroughItsParameterPasses() {
        Random r = new Random(4);
        double[] h = new double[3];
        View view = new View(h, new double[] {1, 2, 3}); // holds h, reads it only as the parameter it is given
        for (int trial = 0; trial < 3; trial++) {
            CentralDifferences.check(p -> { fill(p, h); return view.weighted(h); }, random(r, 3));
        }
    }

    /** Writes the matrix's first row, reads the row through its own name. */
    @Differentiable
    static double rowWrittenReadElsewhere(double[] w, double[][] m, double[] row) {
        for (int i = 0; i < 3; i++) m[0][i] = w[i] * w[i];
        return row[0] * row[1] + row[2];
    }

    static double[] firstRow(double[][] m) {
        return m[0];
    }

    /** The buffer written through a row a helper returns of a local matrix holding it. */
    @Differentiable
    static double throughARowAHelperReturns(double[] w, double[] buf) {
        double[][] m = {buf};
        double[] h = firstRow(m);
        for (int i = 0; i < 3; i++) h[i] = w[i] * w[i];
        return buf[0] * buf[1] + buf[2];
    }

    @Differentiable
    static double viaScratch(double[] w, double[] h) {
        for (int i = 0; i < 3; i++) h[i] = w[i] * w[i];
        return scratch[0] + h[1];
    }

    /** Two buffers swapped every step (ping-pong time stepping), the first step reading old contents as data. */
    @Differentiable
    static double pingPong(double[] w, double[] a, double[] b) {
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < a.length; i++) b[i] = a[i] * (1 - w[0]) + w[1] * a[(i + 1) % a.length] + w[2];
            double[] tmp = a;
            a = b;
            b = tmp;
        }
        double s = 0;
        for (double v : a) s += v * v;
        return s;
    }

    /** Steps done by a helper that gets both buffers. */
    @Differentiable
    static double pingPongByAHelper(double[] w, double[] a, double[] b) {
        for (int t = 0; t < 3; t++) {
            Filler.step(w, a, b);
            double[] tmp = a;
            a = b;
            b = tmp;
        }
        return a[0] * a[1] + a[2];
    }

    /** A buffer used when given, a fresh array when not. */
    @Differentiable
    static double allocatedIfNull(double[] w, double[] buf) {
        double[] h = buf != null ? buf : new double[w.length];
        for (int i = 0; i < w.length; i++) h[i] = Math.sin(w[i]) * w[(i + 1) % w.length];
        return h[0] * h[1] + h[2];
    }

    /** A buffer written through a local matrix whose row it is, read through its own name. */
    @Differentiable
    static double asARow(double[] w, double[] h) {
        double[][] m = {h};
        for (int i = 0; i < h.length; i++) m[0][i] = w[i] * w[i];
        return h[0] * h[1] - h[2];
    }

    @Test
    void buffersSwappedChosenOrHeldAsRows() {
        Random r = new Random(5);
        double[] a = {1.0, -0.5, 0.25}, b = new double[3], buf = new double[3];
        for (int trial = 0; trial < 3; trial++) {
            double[] w = random(r, 3);
            double[] a0 = a.clone();
            // the first step reads what a held: the same for the plain calls of the check
            CentralDifferences.check(p -> {
                System.arraycopy(a0, 0, a, 0, 3);
                return pingPong(p, a, b);
            }, w);
            CentralDifferences.check(p -> {
                System.arraycopy(a0, 0, a, 0, 3);
                return pingPongByAHelper(p, a, b);
            }, w);
            CentralDifferences.check(p -> allocatedIfNull(p, buf), w);
            CentralDifferences.check(p -> allocatedIfNull(p, null), w);
            CentralDifferences.check(p -> asARow(p, buf), w);
            CentralDifferences.check(p -> throughARowAHelperReturns(p, buf), w);
        }
    }

    /** Fills a buffer through an instance method, overridden. */
    static class Layer1 {
        void forward(double[] w, double[] out) {
            for (int i = 0; i < out.length; i++) out[i] = Math.tanh(w[i]);
        }
    }

    static final class Squares extends Layer1 {
        @Override
        void forward(double[] w, double[] out) {
            for (int i = 0; i < out.length; i++) out[i] = w[i] * w[i];
        }
    }

    @Differentiable
    static double throughALayer(double[] w, Layer1 layer, double[] out) {
        layer.forward(w, out);
        return out[0] * out[1] + out[2];
    }

    @Test
    void filledByAVirtualCall() {
        double[] out = new double[3];
        Layer1 plain = new Layer1(), squares = new Squares();
        CentralDifferences.check(p -> throughALayer(p, plain, out), 0.3, -0.8, 1.2);
        CentralDifferences.check(p -> throughALayer(p, squares, out), 0.3, -0.8, 1.2);
    }

    @Differentiable
    static double[] accumulates(double[] w, double[] state) {
        for (int i = 0; i < state.length; i++) state[i] += w[i];
        return new double[] {state[0] * state[1], state[1] * state[1]};
    }

    @Test
    void aJacobianStartsEveryPassFromTheSameBuffer() {
        double[] state = {1.0, 2.0};
        double[][] j = AD.jacobian(w -> accumulates(w, state), new double[] {0.5, -1.0});
        // at state = {1.5, 1.0}: rows (s1, s0) and (0, 2 s1)
        assertArrayEquals(new double[] {1.0, 1.5}, j[0], 1e-12);
        assertArrayEquals(new double[] {0.0, 2.0}, j[1], 1e-12);
        assertArrayEquals(new double[] {1.5, 1.0}, state, 0, "as one call leaves it");
    }

    static final class Layer {
        @Parameter double[] w = {0.3, -0.8, 1.1};
        @Parameter double b = 0.2;

        double loss(double[] xs, double[] activations) {
            for (int i = 0; i < xs.length; i++) activations[i] = Math.tanh(w[i] * xs[i] + b);
            double s = 0;
            for (int i = 0; i < xs.length; i++) s += activations[i] * activations[(i + 1) % xs.length];
            return s;
        }
    }

    @Test
    void aBufferCapturedByAModelLoss() {
        Layer net = new Layer();
        double[] xs = {0.5, -1.5, 2.0};
        double[] activations = new double[3];
        ParameterGradients g = Model.gradient(net, m -> m.loss(xs, activations));
        double h = 1e-6;
        for (int i = 0; i < net.w.length; i++) {
            double keep = net.w[i];
            net.w[i] = keep + h;
            double up = net.loss(xs, new double[3]);
            net.w[i] = keep - h;
            double down = net.loss(xs, new double[3]);
            net.w[i] = keep;
            assertEquals((up - down) / (2 * h), g.getArray("w")[i], 1e-7, "w" + i);
        }
        net.b += h;
        double up = net.loss(xs, new double[3]);
        net.b -= 2 * h;
        double down = net.loss(xs, new double[3]);
        net.b += h;
        assertEquals((up - down) / (2 * h), g.getDouble("b"), 1e-7, "b");
    }

    @Differentiable
    static double powers(double t, double[] terms) {
        terms[0] = 1;
        for (int k = 1; k < terms.length; k++) terms[k] = terms[k - 1] * t / k;
        double s = 0;
        for (double term : terms) s += term;
        return s;
    }

    @Test
    void aBufferInADerivative() {
        double[] terms = new double[12];
        for (double t : new double[] {-1.0, 0.3, 2.0}) {
            // d/dt of the partial sum of e^t to t^11/11! is the partial sum to t^10/10!
            double expected = 0, term = 1;
            for (int k = 0; k <= 10; k++) {
                expected += term;
                term *= t / (k + 1);
            }
            assertEquals(expected, AD.derivative(x -> powers(x, terms), t), 1e-12, "t = " + t);
        }
    }

    static double[] scratch = new double[3];

    @Differentiable
    static double fieldBuffer(double[] w) {
        for (int i = 0; i < 3; i++) scratch[i] = w[i] * w[i];
        return scratch[0] + scratch[1] * scratch[2];
    }

    @Test
    void aBufferInAFieldIsStillRefused() {
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(WorkArraysTest::fieldBuffer, new double[] {1, 2, 3}));
        assertTrue(e.getMessage().contains("it is read from field WorkArraysTest.scratch"), e.getMessage());
    }

    static final java.util.List<double[]> pool = new java.util.ArrayList<>(java.util.List.of(new double[3]));

    /** A buffer from a field or a collection on one path, one made here on the other. */
    @Differentiable
    static double fieldOrOwn(double[] w, boolean cached) {
        double[] h = cached ? scratch : new double[w.length];
        for (int i = 0; i < w.length; i++) h[i] = w[i] * w[i];
        return h[0] + h[1] * h[2];
    }

    @Differentiable
    static double pooledOrOwn(double[] w, boolean pooled) {
        double[] h = pooled ? pool.get(0) : new double[w.length];
        System.arraycopy(w, 0, h, 0, w.length);
        return h[0] * h[1] * h[2];
    }

    @Test
    void aBufferFromAFieldOnSomePathIsRefused() {
        // on the field's path the buffer has no shadow: the gradient was silently zero there
        for (boolean c : new boolean[] {false, true}) {
            TransformException f = assertThrows(TransformException.class, () -> AD.gradient(p -> fieldOrOwn(p, c), new double[] {1, 2, 3}));
            assertTrue(f.getMessage().contains("on some path (it is read from field WorkArraysTest.scratch)"), f.getMessage());
            TransformException l = assertThrows(TransformException.class, () -> AD.gradient(p -> pooledOrOwn(p, c), new double[] {1, 2, 3}));
            assertTrue(l.getMessage().contains("System.arraycopy") && l.getMessage().contains("it is returned by List.get"), l.getMessage());
        }
    }

    interface Stage {
        double[] apply(double[] in, double[] w);
    }

    static final class Scale implements Stage {
        public double[] apply(double[] in, double[] w) {
            double[] out = new double[in.length];
            for (int i = 0; i < in.length; i++) out[i] = w[i % w.length] * in[i];
            return out;
        }
    }

    static final class Squash implements Stage {
        public double[] apply(double[] in, double[] w) {
            double[] out = in.clone();
            for (int i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]);
            return out;
        }
    }

    /** Updates its copy in place with compound assignments (javac's dup2 of the array and index). */
    static final class Damp implements Stage {
        public double[] apply(double[] in, double[] w) {
            double[] out = in.clone();
            for (int i = 0; i < out.length; i++) out[i] *= 0.5 + 0.1 * w[0];
            for (int i = 0; i < out.length; i++) out[i] += w[1] * i;
            return out;
        }
    }

    /** Chooses its function by a string (javac's switch on it calls hashCode and equals(Object)). */
    record Activation(String kind) implements Stage {
        public double[] apply(double[] in, double[] w) {
            double[] out = new double[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = switch (kind) {
                    case "tanh" -> Math.tanh(in[i]);
                    case "softsign" -> in[i] / (1 + Math.abs(in[i]));
                    default -> kind.equals("identity") ? in[i] : Math.max(0, in[i]);
                };
            }
            return out;
        }
    }

    /** h starts as a row of the data, then is each stage's output: the stages only read it. */
    @Differentiable
    static double throughStages(double[] w, Stage[] stages, double[][] xs) {
        double s = 0;
        for (double[] x : xs) {
            double[] h = x;
            for (Stage stage : stages) h = stage.apply(h, w);
            s += h[0] * h[1];
        }
        return s;
    }

    @Test
    void aDataRowReplacedByOutputsOfStagesThatOnlyReadIt() {
        Stage[] stages = {new Scale(), new Activation("softsign"), new Squash(), new Damp(), new Activation("identity"), new Scale()};
        double[][] xs = {{1, 2}, {-0.5, 0.25}, {0.3, -1}};
        Random r = new Random(23);
        for (int trial = 0; trial < 4; trial++) CentralDifferences.check(p -> throughStages(p, stages, xs), random(r, 2));
    }

    interface Smoother {
        double[] smooth(double[] h, double[] w);
    }

    static final class Blend implements Smoother {
        public double[] smooth(double[] h, double[] w) {
            double[] out = new double[h.length];
            for (int i = 0; i < h.length; i++) out[i] = w[0] * h[i] + w[1] * h[(i + 1) % h.length];
            return out;
        }
    }

    static final double[] BUFFER = new double[2];

    /** A data row copied into a field's buffer, then smoothed: the smoothers loaded at first only read it. */
    @Differentiable
    static double smoothedFromField(double[] w, Smoother[] smoothers, double[] features) {
        System.arraycopy(features, 0, BUFFER, 0, 2);
        double[] h = BUFFER;
        for (Smoother s : smoothers) h = s.smooth(h, w);
        return h[0] * h[0] + h[1];
    }

    @Test
    void aCalleeLoadedLaterThatWritesAnUntrackedArrayIsStopped() throws ReflectiveOperationException {
        double[] features = {0.5, -1.5};
        Smoother[][] current = {{new Blend()}};
        org.grad4j.VectorFunction loss = p -> smoothedFromField(p, current[0], features);
        CentralDifferences.check(loss, 0.3, 0.7);
        // a class loaded now (by name: the verifier would load a class this code names as a Smoother
        // with the test class, and JUnit loads the nested ones); the code generated for the same
        // function knows only Blend, which only reads h
        current[0] = new Smoother[] {(Smoother) Class.forName("org.grad4j.agent.InPlaceBlend").getDeclaredConstructor().newInstance(),
                new Blend()};
        GradientException e = assertThrows(GradientException.class, () -> AD.gradient(loss, new double[] {0.3, 0.7}));
        assertTrue(e.getMessage().contains("org.grad4j.agent.InPlaceBlend.smooth (WorkArraysTest.java:")
                && e.getMessage().contains("that array is one grad4j does not track"), e.getMessage());
    }

    private static double[] random(Random r, int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = r.nextGaussian();
        return w;
    }

    /** A right-hand side as an interface; the class implementing it is made in the loss, so loaded only when it runs. */
    interface Rhs {
        void eval(double[] y, double[] p, double[] out);
    }

    static final class Decay implements Rhs {
        @Override
        public void eval(double[] y, double[] p, double[] out) {
            out[0] = -p[0] * y[0] + p[1] * y[1];
            out[1] = -p[1] * y[1] * y[0];
        }
    }

    /** Euler steps whose slopes go into a captured scratch buffer, filled through the interface. */
    static double decayed(double[] p, double[] slope) {
        double[] y = {1.0, 0.5};
        Rhs f = new Decay();
        for (int s = 0; s < 20; s++) {
            f.eval(y, p, slope);
            for (int i = 0; i < 2; i++) y[i] += 0.05 * slope[i];
        }
        return y[0] * y[0] + y[1];
    }

    @Test
    void aBufferFilledThroughAnInterfaceCallOnAnObjectMadeInTheLoss() {
        Random r = new Random(6);
        double[] slope = new double[2];
        for (int trial = 0; trial < 3; trial++) CentralDifferences.check(p -> decayed(p, slope), 0.5 + r.nextDouble(), r.nextDouble());
    }
}

/** A helper of another class that fills a buffer it is given. */
final class Filler {
    private Filler() {}

    static void step(double[] w, double[] from, double[] to) {
        for (int i = 0; i < to.length; i++) to[i] = from[i] + w[0] * from[(i + 1) % from.length] * from[i] - w[1];
    }

    @Differentiable
    static void squares(double[] into, double[] w) {
        for (int i = 0; i < into.length; i++) into[i] = w[i] * w[i] - w[(i + 1) % w.length];
    }
}

/** Writes the array it is given in place; not a member of the test class, so loaded only when the test asks. */
final class InPlaceBlend implements WorkArraysTest.Smoother {
    public double[] smooth(double[] h, double[] w) {
        for (int i = 0; i < h.length; i++) h[i] = h[i] * w[i % w.length] + 1;
        return h;
    }
}
