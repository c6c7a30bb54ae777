package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Models whose losses read their {@code @Parameter} arrays inside loops, as Java developers write
 * them ({@code w1[i][j]}, {@code this.scale} between): the reads of fields nothing in the method
 * changes are done once at its start (InvariantFieldReads), rows of a matrix once per inner loop;
 * fields the loss does change are read where written. Gradients against central differences.
 */
class ModelLoopsEndToEndTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Mlp {
        @Parameter double[][] w1;
        @Parameter double[] b1;
        @Parameter double[] w2;
        @Parameter double b2 = 0.1;
        int evaluations; // written in the loss: this field is not hoisted, the others still are

        Mlp(int in, int hidden, Random r) {
            w1 = new double[hidden][in];
            b1 = new double[hidden];
            w2 = new double[hidden];
            for (double[] row : w1) for (int j = 0; j < in; j++) row[j] = 0.4 * r.nextGaussian();
            for (int i = 0; i < hidden; i++) {
                b1[i] = 0.1 * r.nextGaussian();
                w2[i] = 0.4 * r.nextGaussian();
            }
        }

        double forward(double[] x) {
            double out = b2;
            for (int i = 0; i < w1.length; i++) {
                double z = b1[i];
                for (int j = 0; j < x.length; j++) z += w1[i][j] * x[j];
                out += w2[i] * Math.tanh(z);
            }
            return out;
        }

        double loss(double[][] xs, double[] ys) {
            evaluations++;
            double s = 0;
            for (int n = 0; n < xs.length; n++) {
                double e = forward(xs[n]) - ys[n];
                s += e * e;
            }
            return s / xs.length;
        }
    }

    /** A loss that changes one of its fields as it goes: that field must be read where it is. */
    static final class Decaying {
        @Parameter double[] w = {0.5, -0.3, 0.8, 1.2};
        double scale = 1;

        double loss(double[] x) {
            scale = 1;
            double s = 0;
            for (int i = 0; i < w.length; i++) {
                s += scale * w[i] * w[i] * x[i];
                scale *= 0.5;
            }
            return s;
        }
    }

    /**
     * Sums over a parameter array whose loop reads {@code w.length} from the field in every test:
     * the header's read has no reverse work, so the loops are sums formed in one pass (reductions).
     */
    static final class Penalised {
        @Parameter double[] w = {0.5, -0.3, 0.8, 1.2};
        @Parameter double b = 0.2;
        double l2 = 0.05;

        double loss(double[] t) {
            double reg = 0;
            for (int j = 0; j < w.length; j++) reg += (w[j] - t[j]) * (w[j] - t[j]);
            double fit = 0;
            for (int j = 0; j < w.length; j++) fit += Math.log(1 + Math.exp(-(w[j] * t[j] + b)));
            return fit + l2 * reg;
        }
    }

    @Test
    void sumsOverAParameterArrayMatchTheirDerivatives() {
        Penalised net = new Penalised();
        double[] t = {1.5, -2, 0.7, 0.3};
        ParameterGradients g = Model.gradient(net, m -> m.loss(t));
        assertEquals(net.loss(t), g.value(), 1e-12, "value");
        double db = 0;
        for (int j = 0; j < t.length; j++) {
            double u = net.w[j] * t[j] + net.b, sigmoidOfMinusU = 1 / (1 + Math.exp(u));
            assertEquals(-t[j] * sigmoidOfMinusU + 2 * net.l2 * (net.w[j] - t[j]), g.getArray("w")[j], 1e-12, "w" + j);
            db -= sigmoidOfMinusU;
        }
        assertEquals(db, g.getDouble("b"), 1e-12, "b");
        // a getter of the other kind says which to use, instead of a bare ClassCastException
        org.grad4j.GradientException asArray = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class, () -> g.getArray("b"));
        assertTrue(asArray.getMessage().contains("getArray(\"b\")") && asArray.getMessage().contains("use getDouble"), asArray.getMessage());
        org.grad4j.GradientException asScalar = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class, () -> g.getDouble("w"));
        assertTrue(asScalar.getMessage().contains("getDouble(\"w\")") && asScalar.getMessage().contains("use getArray"), asScalar.getMessage());
    }

    /** A layer as an interface; a residual block calls the layer it wraps through it. */
    interface Module {
        double[] forward(double[] x);
    }

    static final class Scale implements Module {
        @Parameter double[] w;

        Scale(double[] w) {
            this.w = w;
        }

        @Override
        public double[] forward(double[] x) {
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = Math.tanh(w[i] * x[i]);
            return y;
        }
    }

    static final class Residual implements Module {
        final Module inner;

        Residual(Module inner) {
            this.inner = inner;
        }

        @Override
        public double[] forward(double[] x) {
            double[] y = inner.forward(x);
            double[] out = new double[x.length];
            for (int i = 0; i < x.length; i++) out[i] = x[i] + y[i];
            return out;
        }
    }

    static final class Blocks {
        final java.util.List<Module> blocks = new java.util.ArrayList<>();

        double loss(double[][] xs) {
            double total = 0;
            for (double[] x : xs) {
                double[] h = x; // a row of the data, passed to layers that only read it
                for (Module m : blocks) h = m.forward(h);
                for (double v : h) total += v * v;
            }
            return total;
        }
    }

    @Test
    void residualBlocksOverRowsOfTheData() {
        Random r = new Random(31);
        Scale first = new Scale(new double[] {0.5, -0.3, 0.8});
        Scale wrapped = new Scale(new double[] {0.2, 0.9, -0.6});
        Blocks net = new Blocks();
        net.blocks.add(first);
        net.blocks.add(new Residual(wrapped));
        net.blocks.add(new Residual(new Residual(first))); // shared, wrapped twice
        double[][] xs = new double[4][3];
        for (double[] row : xs) for (int i = 0; i < 3; i++) row[i] = r.nextGaussian();
        ParameterGradients g = Model.gradient(net, m -> m.loss(xs));
        assertEquals(net.loss(xs), g.value(), 1e-12, "value");
        String[] paths = {"blocks[0].w", "blocks[1].inner.w"}; // the shared layer under its first path
        Scale[] layers = {first, wrapped};
        for (int k = 0; k < layers.length; k++) {
            Scale s = layers[k];
            double[] analytic = g.getArray(paths[k]);
            for (int i = 0; i < s.w.length; i++) {
                double keep = s.w[i], h = 1e-6;
                s.w[i] = keep + h;
                double up = net.loss(xs);
                s.w[i] = keep - h;
                double down = net.loss(xs);
                s.w[i] = keep;
                assertEquals((up - down) / (2 * h), analytic[i], 1e-6 * (1 + Math.abs(analytic[i])), "w" + i);
            }
        }
    }

    /**
     * A regression with per-sample helpers, as written: {@code predict} with its loop over features
     * (a statement of its own) and a Huber loss inside {@code s += huber(...)}, both reading this's
     * parameters. Inlined on this, their field reads are done once; the loop over samples sums.
     */
    static final class Regression {
        @Parameter double[] w = {0.3, -0.2, 0.5, 0.1};
        @Parameter double[] b = {0.05};
        double l2 = 0.01;

        private double predict(double[] x) {
            double z = b[0];
            for (int j = 0; j < x.length; j++) z += w[j] * x[j];
            return z;
        }

        private double huber(double e) {
            double a = Math.abs(e);
            return a < 1 ? 0.5 * e * e : a - 0.5;
        }

        double loss(double[][] xs, double[] ys) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                double z = predict(xs[i]);
                s += huber(z - ys[i]);
            }
            double reg = 0;
            for (int j = 0; j < w.length; j++) reg += w[j] * w[j];
            return s / xs.length + l2 * reg;
        }
    }

    @Test
    void aRegressionWithPerSampleHelpersMatchesFiniteDifferences() {
        Random r = new Random(3);
        for (int trial = 0; trial < 3; trial++) {
            Regression net = new Regression();
            int n = 1 + r.nextInt(12);
            double[][] xs = new double[n][4];
            double[] ys = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 4; j++) xs[i][j] = 2 * r.nextGaussian();
                ys[i] = 3 * r.nextGaussian(); // residuals on both sides of the Huber loss's kink
            }
            ParameterGradients g = Model.gradient(net, m -> m.loss(xs, ys));
            ToDoubleFunction<Regression> loss = m -> m.loss(xs, ys);
            assertEquals(net.loss(xs, ys), g.value(), 1e-12, "value");
            for (int j = 0; j < 4; j++) assertEquals(central(net, net.w, j, loss), g.getArray("w")[j], 1e-6, "w" + j);
            assertEquals(central(net, net.b, 0, loss), g.getArray("b")[0], 1e-6, "b");
        }
    }

    /** Data a superclass keeps under the name and type of the subclass's parameter: two fields. */
    static class Prior {
        double[] w = {1, 2, 3};
        double k = 10;
    }

    static final class Shadowing extends Prior {
        @Parameter double[] w = {0.5, -0.3, 0.8};
        @Parameter double k = 0.5;

        double loss(double[] x) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[i] * super.w[i] * x[i] * x[i] + k * super.k * x[i];
            return s;
        }
    }

    @Test
    void aFieldAndTheSuperclassFieldItHidesAreReadApart() {
        // both were read into one local (keyed by name and type only): super.w read as this.w
        Shadowing net = new Shadowing();
        double[] x = {1.5, -2, 0.7};
        ParameterGradients g = Model.gradient(net, m -> m.loss(x));
        assertEquals(net.loss(x), g.value(), 1e-12, "value");
        for (int i = 0; i < 3; i++) {
            assertEquals(((Prior) net).w[i] * x[i] * x[i], g.getArray("w")[i], 1e-12, "w" + i);
        }
        assertEquals(((Prior) net).k * (x[0] + x[1] + x[2]), g.getDouble("k"), 1e-12, "k");
        double[] dx = AD.gradient(v -> net.loss(v), x.clone());
        for (int i = 0; i < 3; i++) {
            double expected = 2 * net.w[i] * ((Prior) net).w[i] * x[i] + net.k * ((Prior) net).k;
            assertEquals(expected, dx[i], 1e-12, "x" + i);
        }
    }

    static class PriorParameters {
        @Parameter double[] w = {1, 2, 3};
    }

    static final class HidingParameters extends PriorParameters {
        @Parameter double[] w = {0.5, -0.3, 0.8};

        double loss(double[] x) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += w[i] * super.w[i] * x[i];
            return s;
        }
    }

    @Test
    void aParameterHidingASuperclassParameterOfTheSameNameIsRefused() {
        // both were listed under the path "w": the map held the superclass's gradient only, the
        // subclass's was silently lost
        HidingParameters net = new HidingParameters();
        double[] x = {1.5, -2, 0.7};
        GradientException e = assertThrows(GradientException.class, () -> Model.gradient(net, m -> m.loss(x)));
        assertTrue(e.getMessage().contains("HidingParameters.w hides @Parameter field"), e.getMessage());
    }

    @Test
    void aDenseNetworkOfMatrixParametersMatchesFiniteDifferences() {
        Random r = new Random(7);
        for (int trial = 0; trial < 3; trial++) {
            int in = 1 + r.nextInt(5), hidden = 1 + r.nextInt(6), batch = 1 + r.nextInt(6);
            Mlp net = new Mlp(in, hidden, r);
            double[][] xs = new double[batch][in];
            double[] ys = new double[batch];
            for (int n = 0; n < batch; n++) {
                for (int j = 0; j < in; j++) xs[n][j] = r.nextGaussian();
                ys[n] = r.nextGaussian();
            }
            ParameterGradients g = Model.gradient(net, m -> m.loss(xs, ys));
            ToDoubleFunction<Mlp> loss = m -> m.loss(xs, ys);
            double[][] dw1 = (double[][]) g.get("w1");
            for (int i = 0; i < hidden; i++) {
                for (int j = 0; j < in; j++) assertEquals(central(net, net.w1[i], j, loss), dw1[i][j], 1e-6, "w1 " + i + "," + j);
                assertEquals(central(net, net.b1, i, loss), g.getArray("b1")[i], 1e-6, "b1 " + i);
                assertEquals(central(net, net.w2, i, loss), g.getArray("w2")[i], 1e-6, "w2 " + i);
            }
            double keep = net.b2, h = 1e-6;
            net.b2 = keep + h;
            double up = loss.applyAsDouble(net);
            net.b2 = keep - h;
            double down = loss.applyAsDouble(net);
            net.b2 = keep;
            assertEquals((up - down) / (2 * h), g.getDouble("b2"), 1e-6, "b2");
        }
    }

    @Test
    void aFieldTheLossChangesIsReadWhereItIs() {
        Decaying d = new Decaying();
        double[] x = {1.5, -2, 0.7, 0.3};
        ParameterGradients g = Model.gradient(d, m -> m.loss(x));
        for (int i = 0; i < d.w.length; i++) {
            double expected = 2 * Math.pow(0.5, i) * d.w[i] * x[i];
            assertEquals(expected, g.getArray("w")[i], 1e-12, "w" + i);
        }
    }

    private static <M> double central(M model, double[] array, int i, ToDoubleFunction<M> loss) {
        double keep = array[i], h = 1e-6;
        array[i] = keep + h;
        double up = loss.applyAsDouble(model);
        array[i] = keep - h;
        double down = loss.applyAsDouble(model);
        array[i] = keep;
        return (up - down) / (2 * h);
    }
    /** A model whose trainable fields were not marked: its gradient would be empty, and an optimizer would do nothing. */
    static final class Unmarked {
        double[] w = {0.5, -0.25};

        double loss() {
            return w[0] * w[0] + w[1];
        }
    }

    @Test
    void aModelWithoutParametersIsRefused() {
        GradientException e = assertThrows(GradientException.class, () -> Model.gradient(new Unmarked(), Unmarked::loss));
        assertTrue(e.getMessage().contains("ModelLoopsEndToEndTest$Unmarked has no @Parameter fields"), e.getMessage());
    }

    /** A model written as a record: its scalar parameter is a final component. */
    record LinearRecord(@Parameter double[] w, @Parameter double b) {
        double loss(double[][] xs, double[] ys) {
            double s = 0;
            for (int i = 0; i < ys.length; i++) {
                double z = b;
                for (int j = 0; j < w.length; j++) z += w[j] * xs[i][j];
                s += (z - ys[i]) * (z - ys[i]);
            }
            return s;
        }
    }

    /**
     * A record's {@code @Parameter double} has a gradient like any other; an optimiser cannot change
     * it in place, and says so before it moves any parameter (the array's elements stay as they were).
     */
    @Test
    void aRecordModelsFinalScalarHasAGradientAndAnOptimiserRefusesToStepIt() {
        double[][] xs = {{1, 2}, {0.5, -1}, {-2, 0.25}};
        double[] ys = {1, -0.5, 2};
        LinearRecord m = new LinearRecord(new double[] {0.3, -0.7}, 0.2);
        ParameterGradients g = Model.gradient(m, r -> r.loss(xs, ys));
        double db = 0;
        double[] dw = new double[2];
        for (int i = 0; i < ys.length; i++) { // d/dθ sum (z - y)^2 = sum 2 (z - y) dz/dθ, by hand
            double e = m.b() + m.w()[0] * xs[i][0] + m.w()[1] * xs[i][1] - ys[i];
            db += 2 * e;
            dw[0] += 2 * e * xs[i][0];
            dw[1] += 2 * e * xs[i][1];
        }
        assertEquals(db, g.getDouble("b"), 1e-12, "b");
        assertEquals(dw[0], g.getArray("w")[0], 1e-12, "w0");
        assertEquals(dw[1], g.getArray("w")[1], 1e-12, "w1");
        GradientException e = assertThrows(GradientException.class, () -> org.grad4j.Optimizer.sgd(0.1).step(g));
        assertTrue(e.getMessage().contains("cannot update @Parameter b") && e.getMessage().contains("a record's component"), e.getMessage());
        assertEquals(0.3, m.w()[0], 0.0, "no parameter moved");
    }
}
