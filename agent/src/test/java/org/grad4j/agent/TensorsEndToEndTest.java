package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.grad4j.AD;
import org.grad4j.Model;
import org.grad4j.Optimizer;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.grad4j.tensor.TensorAD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Tensor code with the real agent: TensorAD, model objects, optimisers, and ND4J SameDiff as the reference. */
class TensorsEndToEndTest {

    @BeforeAll
    static void attach() {
        AD.install();
        Nd4j.getRandom().setSeed(11);
    }

    /** A two-layer perceptron whose weights are fields. */
    static final class Mlp {
        @Parameter INDArray w1;
        @Parameter INDArray b1;
        @Parameter INDArray w2;
        @Parameter INDArray b2;

        Mlp(DataType type, int in, int hidden, int out) {
            w1 = Nd4j.randn(type, in, hidden).muli(0.5);
            b1 = Nd4j.zeros(type, 1, hidden);
            w2 = Nd4j.randn(type, hidden, out).muli(0.5);
            b2 = Nd4j.zeros(type, 1, out);
        }

        double loss(INDArray x, INDArray y) {
            INDArray h = Transforms.tanh(x.mmul(w1).addRowVector(b1));
            INDArray logits = h.mmul(w2).addRowVector(b2);
            return crossEntropy(logits, y);
        }

        private static double crossEntropy(INDArray logits, INDArray y) {
            INDArray p = Transforms.softmax(logits);
            return -Transforms.log(p).mul(y).sumNumber().doubleValue() / y.rows();
        }
    }

    private static INDArray oneHot(DataType type, int rows, int classes) {
        INDArray y = Nd4j.zeros(type, rows, classes);
        for (int i = 0; i < rows; i++) y.putScalar(i, i % classes, 1.0);
        return y;
    }

    @Test
    void mlpGradientsMatchSameDiff() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            Mlp net = new Mlp(type, 5, 7, 3);
            INDArray x = Nd4j.randn(type, 8, 5);
            INDArray y = oneHot(type, 8, 3);
            ParameterGradients g = Model.gradient(net, m -> m.loss(x, y));

            SameDiff sd = SameDiff.create();
            SDVariable in = sd.constant("x", x), label = sd.constant("y", y);
            SDVariable w1 = sd.var("w1", net.w1.dup()), b1 = sd.var("b1", net.b1.dup());
            SDVariable w2 = sd.var("w2", net.w2.dup()), b2 = sd.var("b2", net.b2.dup());
            SDVariable h = sd.math().tanh(in.mmul(w1).add(b1));
            SDVariable p = sd.nn().softmax(h.mmul(w2).add(b2), 1);
            SDVariable loss = sd.math().log(p).mul(label).sum().neg().div(8);
            loss.markAsLoss();
            Map<String, INDArray> reference = sd.calculateGradients(null, "w1", "b1", "w2", "b2");

            double tol = type == DataType.DOUBLE ? 1e-10 : 1e-5;
            assertEquals(loss.eval().getDouble(0), g.value(), tol * 10);
            for (String name : new String[] {"w1", "b1", "w2", "b2"}) {
                INDArray ours = (INDArray) g.get(name);
                assertEquals(type, ours.dataType(), name + " keeps the parameter's dtype");
                assertTrue(ours.equalsWithEps(reference.get(name).reshape(ours.shape()), tol), name + ":\n" + ours + "\nvs\n" + reference.get(name));
            }
        }
    }

    /**
     * The reverse pass allocates in a workspace the worker reuses: gradients handed out must be
     * copies outside it, unchanged by the gradients computed after them.
     */
    @Test
    void gradientsSurviveTheGradientsAfterThem() {
        Mlp net = new Mlp(DataType.FLOAT, 5, 7, 3);
        INDArray y = oneHot(DataType.FLOAT, 8, 3);
        INDArray x0 = Nd4j.randn(DataType.FLOAT, 8, 5);
        ParameterGradients first = Model.gradient(net, m -> m.loss(x0, y));
        java.util.Map<String, INDArray> kept = new java.util.HashMap<>();
        for (String name : new String[] {"w1", "b1", "w2", "b2"}) {
            INDArray g = (INDArray) first.get(name);
            assertTrue(!g.isAttached(), name + " is not in a workspace");
            kept.put(name, g.dup());
        }
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        INDArray xw = Nd4j.randn(DataType.DOUBLE, 2, 3);
        INDArray g0 = TensorAD.gradient(v -> Transforms.sigmoid(xw.mmul(v)).sumNumber().doubleValue(), w);
        INDArray g0Copy = g0.dup();
        for (int i = 0; i < 5; i++) {
            INDArray xi = Nd4j.randn(DataType.FLOAT, 8, 5).muli(i + 2);
            Model.gradient(net, m -> m.loss(xi, y));
            double scale = 3.0 + i;
            TensorAD.gradient(v -> Transforms.sigmoid(xw.mmul(v)).mul(scale).sumNumber().doubleValue(), w);
        }
        for (var e : kept.entrySet()) assertEquals(e.getValue(), first.get(e.getKey()), e.getKey() + " changed");
        assertEquals(g0Copy, g0, "the tensor gradient changed");
    }

    @Test
    void tensorGradientOfALambdaMatchesFiniteDifferences() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3);
        ToDoubleFunction<INDArray> f = v -> Transforms.sigmoid(x.mmul(v)).mul(2.0).sumNumber().doubleValue();
        INDArray g = TensorAD.gradient(v -> Transforms.sigmoid(x.mmul(v)).mul(2.0).sumNumber().doubleValue(), w);
        for (long i = 0; i < w.length(); i++) {
            INDArray p = w.dup(), m = w.dup();
            p.putScalar(i, w.getDouble(i) + 1e-6);
            m.putScalar(i, w.getDouble(i) - 1e-6);
            assertEquals((f.applyAsDouble(p) - f.applyAsDouble(m)) / 2e-6, g.getDouble(i), 1e-7);
        }
    }

    /**
     * A weight penalty written with the captured point instead of the function's argument: the
     * captured tensor is a constant, so its uses would get no derivative. Refused; a captured copy
     * (dup) is a constant on purpose and is not.
     */
    @Test
    void theCapturedPointIsRefusedAndACopyIsAConstant() {
        INDArray w = Nd4j.createFromArray(1.0, 2.0, 3.0);
        org.grad4j.GradientException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class,
                () -> TensorAD.gradient(v -> v.sumNumber().doubleValue() + w.mul(w).sumNumber().doubleValue(), w));
        assertTrue(e.getMessage().contains("captures the tensor it is differentiated at"), e.getMessage());
        INDArray fixed = w.dup();
        INDArray g = TensorAD.gradient(v -> v.mul(fixed).sumNumber().doubleValue() + v.mul(v).sumNumber().doubleValue(), w);
        for (long i = 0; i < w.length(); i++) assertEquals(w.getDouble(i) + 2 * w.getDouble(i), g.getDouble(i), 1e-12);
        Penalised net = new Penalised(w);
        org.grad4j.GradientException viaField = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class,
                () -> TensorAD.gradient(net::loss, net.w));
        assertTrue(viaField.getMessage().contains("a read of the field") && viaField.getMessage().contains("Penalised.w")
                && viaField.getMessage().contains("the tensor the gradient is taken at under another name"), viaField.getMessage());
        INDArray g2 = TensorAD.gradient(net::loss, w.dup());
        for (long i = 0; i < w.length(); i++) assertEquals(1, g2.getDouble(i), 1e-12);
    }

    /**
     * A view of the point (reshape, an interval, a row, a transpose) reads the point's memory: captured
     * or reached through a field it is the point under another name, refused like the point itself. A
     * view of another part of the same buffer is data: a gradient with respect to the first half of a
     * parameter vector that reads the second half as a constant.
     */
    @Test
    void viewsOfThePointAreThePointAndViewsOfOtherElementsAreData() {
        INDArray w = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0);
        for (INDArray view : new INDArray[] {w.reshape(2, 2), w.get(NDArrayIndex.interval(1, 3)), w.reshape(2, 2).getRow(1), w.reshape(2, 2).transpose()}) {
            org.grad4j.GradientException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class,
                    () -> TensorAD.gradient(v -> v.sumNumber().doubleValue() + view.mul(view).sumNumber().doubleValue(), w));
            assertTrue(e.getMessage().contains("captures the tensor it is differentiated at") && e.getMessage().contains("a view of it"), e.getMessage());
            Penalised net = new Penalised(view);
            org.grad4j.GradientException viaField = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class,
                    () -> TensorAD.gradient(net::loss, w));
            assertTrue(viaField.getMessage().contains("the tensor the gradient is taken at under another name"), viaField.getMessage());
        }
        INDArray theta = Nd4j.createFromArray(0.5, -1.0, 2.0, 3.0, -2.0, 0.25);
        INDArray first = theta.get(NDArrayIndex.interval(0, 3));
        INDArray second = theta.get(NDArrayIndex.interval(3, 6));
        // d/dv [sum v*second + sum v^2] = second + 2 v, by hand
        INDArray g = TensorAD.gradient(v -> v.mul(second).sumNumber().doubleValue() + v.mul(v).sumNumber().doubleValue(), first);
        for (long i = 0; i < 3; i++) assertEquals(second.getDouble(i) + 2 * first.getDouble(i), g.getDouble(i), 1e-12);
        Penalised other = new Penalised(second);
        INDArray g2 = TensorAD.gradient(other::loss, first);
        for (long i = 0; i < 3; i++) assertEquals(1, g2.getDouble(i), 1e-12);
    }

    /** A loss that reads its weights for a penalty through a field: at the field's own tensor, the point under another name. */
    static final class Penalised {
        final INDArray w;

        Penalised(INDArray w) {
            this.w = w;
        }

        double loss(INDArray v) {
            return v.sumNumber().doubleValue() + w.mul(w).sumNumber().doubleValue();
        }
    }

    /** log1p and expm1 exist in ND4J only with the dup flag: out of place with true, refused with false. */
    @Test
    void log1pAndExpm1OutOfPlace() {
        INDArray w = Nd4j.createFromArray(0.5, -0.25, 1.5, 0.0);
        INDArray g = TensorAD.gradient(v -> Transforms.log1p(v, true).add(Transforms.expm1(v.mul(2.0), true)).sumNumber().doubleValue(), w);
        for (long i = 0; i < w.length(); i++) {
            double x = w.getDouble(i);
            assertEquals(1 / (1 + x) + 2 * Math.exp(2 * x), g.getDouble(i), 1e-12);
        }
        org.grad4j.TransformException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.TransformException.class,
                () -> TensorAD.gradient(v -> Transforms.log1p(v.mul(1.0), false).sumNumber().doubleValue(), w));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("log1p"), e.getMessage());
    }

    static final java.util.concurrent.atomic.AtomicInteger SWISH_RULE_CALLS = new java.util.concurrent.atomic.AtomicInteger();

    static INDArray swish(INDArray x) {
        return x.mul(Transforms.sigmoid(x));
    }

    /** The user guide's tensor rule, as written there. */
    @org.grad4j.AdjointOf("swish")
    static INDArray swishAdjoint(INDArray x, INDArray y, INDArray d) {
        SWISH_RULE_CALLS.incrementAndGet();
        INDArray s = Transforms.sigmoid(x);
        return d.mul(s.add(x.mul(s).mul(s.rsub(1.0))));
    }

    @Test
    void aTensorRuleBesideTheMethodReplacesItsBody() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 2, 3);
        ToDoubleFunction<INDArray> f = v -> swish(v).mul(v).sumNumber().doubleValue();
        int before = SWISH_RULE_CALLS.get();
        INDArray g = TensorAD.gradient(v -> swish(v).mul(v).sumNumber().doubleValue(), w);
        assertEquals(before + 1, SWISH_RULE_CALLS.get(), "the rule ran, not the differentiated body");
        for (long i = 0; i < w.length(); i++) {
            INDArray p = w.dup(), m = w.dup();
            p.putScalar(i, w.getDouble(i) + 1e-6);
            m.putScalar(i, w.getDouble(i) - 1e-6);
            assertEquals((f.applyAsDouble(p) - f.applyAsDouble(m)) / 2e-6, g.getDouble(i), 1e-7);
        }
    }

    /** The user guide's example of a rule for an ND4J operation grad4j has none for, as written there. */
    @org.grad4j.rules.RulesFor("org/nd4j/linalg/ops/transforms/Transforms")
    public static final class SigmoidDerivativeRules {
        /** y = sigmoidDerivative(x) = s (1 - s) with s = sigmoid(x): dy/dx = y (1 - 2 s) */
        @org.grad4j.rules.Adjoint(of = "sigmoidDerivative")
        public static INDArray x(INDArray x, INDArray y, INDArray d) {
            return d.mul(y).mul(Transforms.sigmoid(x).mul(-2.0).add(1.0));
        }
    }

    @Test
    void theGuidesRuleForAnNd4jOperationDifferentiates() {
        AD.registerRules(SigmoidDerivativeRules.class);
        assertCentralDifferences(v -> Transforms.sigmoidDerivative(v.mul(1.5)).mul(v).sumNumber().doubleValue(),
                Nd4j.createFromArray(new double[] {0.3, -1.2, 2.0, 0.7}));
    }

    /** A scalar model with a nested module, for Model and the optimisers without tensors. */
    static final class Line {
        @Parameter double slope = 0.1;
        @Parameter double intercept;
        final Bias bias = new Bias();

        double loss(double[] xs, double[] ys) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                double e = slope * xs[i] + intercept + bias.at(i) - ys[i];
                s += e * e;
            }
            return s / xs.length;
        }
    }

    static final class Bias {
        @Parameter double[] offsets = new double[4];

        double at(int i) {
            return offsets[i % offsets.length];
        }
    }

    @Test
    void modelGradientsAndOptimisersOnPlainFields() {
        double[] xs = {0, 1, 2, 3, 4, 5, 6, 7};
        double[] ys = new double[xs.length];
        for (int i = 0; i < xs.length; i++) ys[i] = 2 * xs[i] - 1 + (i % 4 == 1 ? 0.5 : 0);
        Line line = new Line();
        ParameterGradients g = Model.gradient(line, m -> m.loss(xs, ys));
        assertLineGradient(line, xs, ys, g);

        for (Optimizer opt : new Optimizer[] {Optimizer.sgd(0.01, 0.9), Optimizer.adam(0.05)}) {
            Line model = new Line();
            double first = Model.gradient(model, m -> m.loss(xs, ys)).value();
            double last = first;
            for (int step = 0; step < 400; step++) {
                ParameterGradients s = Model.gradient(model, m -> m.loss(xs, ys));
                last = s.value();
                opt.step(s);
            }
            assertTrue(last < first * 0.01, "loss fell from " + first + " to " + last);
        }
    }

    /** The analytic gradient of {@link Line#loss}: d/dslope of mean (slope·x + c + b_i − y)² = 2·mean(e·x), … */
    private static void assertLineGradient(Line line, double[] xs, double[] ys, ParameterGradients g) {
        double dslope = 0, dc = 0;
        double[] db = new double[4];
        for (int i = 0; i < xs.length; i++) {
            double e = line.slope * xs[i] + line.intercept + line.bias.offsets[i % 4] - ys[i];
            dslope += 2 * e * xs[i] / xs.length;
            dc += 2 * e / xs.length;
            db[i % 4] += 2 * e / xs.length;
        }
        assertEquals(dslope, g.getDouble("slope"), 1e-12);
        assertEquals(dc, g.getDouble("intercept"), 1e-12);
        for (int k = 0; k < 4; k++) assertEquals(db[k], g.getArray("bias.offsets")[k], 1e-12);
    }

    /**
     * One loss lambda, resolved once per lambda class, then called with new captures and new
     * models: each gradient is that of its own data and model.
     */
    @Test
    void aLossLambdaSeesItsOwnCapturesAndModelOnEveryCall() {
        for (int k = 0; k < 4; k++) {
            double[] xs = {k, 1, 2 - k, 3};
            double[] ys = {1, -k, 0.5, 2};
            Line line = new Line();
            line.slope = 0.3 * k - 0.2;
            line.intercept = k;
            line.bias.offsets[k] = 0.25;
            assertLineGradient(line, xs, ys, Model.gradient(line, m -> m.loss(xs, ys)));
        }
    }

    /** Two gradients in a row of the same model and data are equal, and leave the parameters as they were. */
    @Test
    void theSameGradientTwiceInARowIsTheSame() {
        Mlp net = new Mlp(DataType.FLOAT, 5, 7, 3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 5);
        INDArray y = oneHot(DataType.FLOAT, 8, 3);
        INDArray w1 = net.w1.dup(), b1 = net.b1.dup();
        ParameterGradients first = Model.gradient(net, m -> m.loss(x, y));
        ParameterGradients second = Model.gradient(net, m -> m.loss(x, y));
        for (String name : new String[] {"w1", "b1", "w2", "b2"}) assertEquals(first.get(name), second.get(name), name);
        assertEquals(w1, net.w1);
        assertEquals(b1, net.b1);
    }

    /** Parameters read several times, one of them through an adjoint it shares with another parameter. */
    static final class Tied {
        @Parameter INDArray w = Nd4j.create(new double[][] {{0.5, -1}, {2, 0.25}});
        @Parameter INDArray u = Nd4j.create(new double[][] {{1, 3}, {-2, 0.5}});

        /** ∂/∂w = c + e + f, ∂/∂u = c; the shared adjoint (of w + u) reaches w first in reverse. */
        double sharedLast(INDArray c, INDArray e, INDArray f) {
            return w.mul(f).sumNumber().doubleValue() + w.mul(e).sumNumber().doubleValue()
                    + w.add(u).mul(c).sumNumber().doubleValue();
        }

        /** The same sum, the shared adjoint reaching w last. */
        double sharedFirst(INDArray c, INDArray e, INDArray f) {
            return w.add(u).mul(c).sumNumber().doubleValue() + w.mul(e).sumNumber().doubleValue()
                    + w.mul(f).sumNumber().doubleValue();
        }
    }

    /**
     * A parameter's adjoint sums its reads (in place once the sum is grad4j's own) without
     * changing the adjoint another parameter shares, the user's arrays, or the next gradient.
     */
    @Test
    void aParameterReadThreeTimesSumsItsAdjointsAndLeavesSharedOnesAlone() {
        INDArray c = Nd4j.create(new double[][] {{1, 2}, {3, 4}});
        INDArray e = Nd4j.create(new double[][] {{-1, 0.5}, {0.25, 8}});
        INDArray f = Nd4j.create(new double[][] {{10, 20}, {30, 40}});
        INDArray cCopy = c.dup(), eCopy = e.dup(), fCopy = f.dup();
        INDArray dw = c.add(e).add(f);
        for (boolean last : new boolean[] {true, false}) {
            Tied model = new Tied();
            INDArray w = model.w.dup(), u = model.u.dup();
            for (int repeat = 0; repeat < 2; repeat++) {
                ParameterGradients g = last ? Model.gradient(model, m -> m.sharedLast(c, e, f))
                        : Model.gradient(model, m -> m.sharedFirst(c, e, f));
                assertEquals(dw, g.get("w"), "w, shared adjoint " + (last ? "last" : "first"));
                assertEquals(c, g.get("u"), "u, shared adjoint " + (last ? "last" : "first"));
            }
            assertEquals(w, model.w);
            assertEquals(u, model.u);
        }
        assertEquals(cCopy, c);
        assertEquals(eCopy, e);
        assertEquals(fCopy, f);
    }

    @Test
    void adamTrainsTheMlp() {
        Mlp net = new Mlp(DataType.FLOAT, 4, 16, 2);
        INDArray x = Nd4j.randn(DataType.FLOAT, 32, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 2);
        for (int i = 0; i < 32; i++) y.putScalar(i, x.getDouble(i, 0) + x.getDouble(i, 1) > 0 ? 1 : 0, 1.0);
        Optimizer adam = Optimizer.adam(0.05);
        double first = Double.NaN, last = Double.NaN;
        for (int step = 0; step < 150; step++) {
            ParameterGradients g = Model.gradient(net, m -> m.loss(x, y));
            if (step == 0) first = g.value();
            last = g.value();
            adam.step(g);
        }
        assertTrue(last < first * 0.3, "loss fell from " + first + " to " + last);
    }

    /** A binary tree of leaf vectors; the network combines children with one shared cell, recursively. */
    record Tree(Tree left, Tree right, INDArray leaf) {}

    static INDArray encode(Tree t, INDArray wl, INDArray wr) {
        if (t.leaf() != null) return t.leaf();
        return Transforms.tanh(encode(t.left(), wl, wr).mmul(wl).add(encode(t.right(), wl, wr).mmul(wr)));
    }

    static double treeLoss(INDArray wl, Tree tree, INDArray wr) {
        return encode(tree, wl, wr).mul(encode(tree, wl, wr)).sumNumber().doubleValue();
    }

    @Test
    void aRecursiveTreeNetworkMatchesFiniteDifferences() {
        INDArray wr = Nd4j.randn(DataType.DOUBLE, 3, 3).muli(0.6);
        Tree tree = new Tree(new Tree(leaf(), leaf(), null), new Tree(leaf(), new Tree(leaf(), leaf(), null), null), null);
        INDArray wl = Nd4j.randn(DataType.DOUBLE, 3, 3).muli(0.6);
        INDArray g = TensorAD.gradient(w -> treeLoss(w, tree, wr), wl);
        for (long i = 0; i < wl.length(); i++) {
            INDArray p = wl.dup(), m = wl.dup();
            p.putScalar(i, wl.getDouble(i) + 1e-6);
            m.putScalar(i, wl.getDouble(i) - 1e-6);
            assertEquals((treeLoss(p, tree, wr) - treeLoss(m, tree, wr)) / 2e-6, g.getDouble(i), 1e-7);
        }
    }

    private static Tree leaf() {
        return new Tree(null, null, Nd4j.randn(DataType.DOUBLE, 1, 3));
    }

    /** A weight used transposed ([out, in], as PyTorch lays it out): its gradient comes back in 'f' order. */
    static final class Transposed {
        @Parameter INDArray w = Nd4j.create(new double[][] {{0.5, -0.2, 0.1}, {0.3, 0.7, -0.4}});

        double loss(INDArray x) {
            return x.mmul(w.transpose()).mul(x.mmul(w.transpose())).sumNumber().doubleValue();
        }
    }

    @Test
    void anOptimiserStepFollowsTheGradientElementForElementWhateverItsOrder() {
        Transposed m = new Transposed();
        INDArray x = Nd4j.create(new double[][] {{1, 2, 3}, {-1, 0.5, 2}});
        ParameterGradients g = Model.gradient(m, t -> t.loss(x));
        INDArray before = m.w.dup();
        INDArray grad = ((INDArray) g.get("w")).dup('c');
        Optimizer.sgd(1.0).step(g);
        assertTrue(before.sub(m.w).equalsWithEps(grad, 1e-12), "w moved by its gradient:\n" + before.sub(m.w) + "\nvs\n" + grad);
    }

    /** A linear model that counts its correct predictions while computing the loss, for a progress line. */
    static final class Counting {
        @Parameter INDArray w = Nd4j.createFromArray(new double[][] {{0.5, -0.2}, {0.1, 0.3}, {-0.4, 0.2}});
        int correct; // data, for logging

        double loss(INDArray x, INDArray y) {
            INDArray logits = x.mmul(w);
            correct = logits.argMax(1).eq(y.argMax(1)).castTo(DataType.INT32).sumNumber().intValue();
            return logits.sub(y).mul(logits.sub(y)).sumNumber().doubleValue();
        }
    }

    @Test
    void operationsWithoutDerivativeGiveDataThatMayBeKept() {
        // argMax, eq: no derivative, so the count is data (it was refused as a differentiable boxed value)
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2, 0.5}, {-1, 0.5, 2}});
        INDArray y = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}});
        Counting model = new Counting();
        ParameterGradients g = Model.gradient(model, m -> m.loss(x, y));
        INDArray expected = x.transpose().mmul(x.mmul(model.w).sub(y)).mul(2); // d/dw |xw - y|^2
        assertTrue(expected.equalsWithEps((INDArray) g.get("w"), 1e-10), g.get("w").toString());
        assertEquals(countCorrect(x.mmul(model.w), y), model.correct);
    }

    private static int countCorrect(INDArray logits, INDArray y) {
        int n = 0;
        for (int i = 0; i < logits.rows(); i++) {
            if (logits.getRow(i).argMax().getInt(0) == y.getRow(i).argMax().getInt(0)) n++;
        }
        return n;
    }

    /** Normalises by the batch mean, and keeps a running mean in a field as BatchNorm does. */
    static final class RunningMean {
        @Parameter INDArray w = Nd4j.createFromArray(new double[][] {{0.5, -0.2}, {0.1, 0.3}});
        INDArray running = Nd4j.zeros(DataType.DOUBLE, 1, 2); // data

        double loss(INDArray x) {
            INDArray h = x.mmul(w);
            INDArray mean = h.mean(true, 0);
            running = running.mul(0.9).add(TensorAD.stopGradient(mean).mul(0.1));
            INDArray centred = h.subRowVector(mean);
            return centred.mul(centred).sumNumber().doubleValue();
        }
    }

    @Test
    void aRunningStatisticUpdatedInTheLossIsData() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2}, {-1, 0.5}, {0.3, -2}});
        RunningMean model = new RunningMean();
        ParameterGradients g = Model.gradient(model, m -> m.loss(x));
        // d/dw sum((x - mean(x)) w)^2 = 2 xc^T xc w with xc the centred inputs
        INDArray xc = x.subRowVector(x.mean(true, 0));
        INDArray expected = xc.transpose().mmul(xc).mmul(model.w).mul(2);
        assertTrue(expected.equalsWithEps((INDArray) g.get("w"), 1e-10), g.get("w").toString());
        INDArray firstMean = x.mmul(model.w).mean(true, 0).mul(0.1);
        assertTrue(firstMean.equalsWithEps(model.running, 1e-12), model.running.toString());
    }

    // ---- tensors made from a double[] or float[]: the array's elements get the tensor's adjoint

    static double fromAnArray(double[] w) {
        INDArray m = Nd4j.create(w, new long[] {2, 2});
        INDArray v = Nd4j.createFromArray(w[0] * 2, Math.sin(w[1]), 1.5, w[3]);
        w[0] = w[0] * 3; // a later write: the tensor keeps the old value, and so does its adjoint
        return Transforms.tanh(m.mmul(m)).sumNumber().doubleValue() + v.mul(v).sumNumber().doubleValue() + w[0] * w[2];
    }

    static double fromAnArrayInALoop(double[] w) {
        double s = 0;
        for (int i = 0; i < 3; i++) s += Nd4j.createFromArray(w).mul(i + 1).norm2Number().doubleValue() * w[i];
        return s;
    }

    /** Weights in double[] and float[] fields, used as tensors. */
    static final class ArrayWeights {
        @Parameter double[] scale = {1.0, 0.5, -2.0};
        @Parameter float[] shift = {0.1f, -0.3f, 0.2f};

        double loss(INDArray x) {
            INDArray z = x.mulRowVector(Nd4j.create(scale, 1, 3)).addRowVector(Nd4j.createFromArray(shift).castTo(DataType.DOUBLE));
            return Transforms.sigmoid(z).sumNumber().doubleValue();
        }
    }

    @Test
    void tensorsMadeFromDifferentiableArraysDifferentiate() {
        CentralDifferences.check(w -> fromAnArray(w.clone()), 0.3, -0.2, 0.5, 0.1);
        CentralDifferences.check(TensorsEndToEndTest::fromAnArrayInALoop, 0.3, -0.2, 0.5, 0.1);

        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2, -1}, {0.5, -0.5, 3}});
        ArrayWeights model = new ArrayWeights();
        ParameterGradients g = Model.gradient(model, m -> m.loss(x));
        double[] scale = (double[]) g.get("scale");
        float[] shift = (float[]) g.get("shift");
        for (int j = 0; j < 3; j++) {
            double s = model.scale[j];
            model.scale[j] = s + 1e-6;
            double plus = model.loss(x);
            model.scale[j] = s - 1e-6;
            double minus = model.loss(x);
            model.scale[j] = s;
            assertEquals((plus - minus) / 2e-6, scale[j], 1e-7, "scale " + j);
            // d/dshift_j = Σ_i σ'(z_ij), by hand
            double expected = 0;
            for (int i = 0; i < 2; i++) {
                double z = x.getDouble(i, j) * model.scale[j] + model.shift[j];
                double sig = 1 / (1 + Math.exp(-z));
                expected += sig * (1 - sig);
            }
            assertEquals(expected, shift[j], 1e-5, "shift " + j);
        }
    }

    // ---- a tensor filled with a differentiable value, elements read back as Numbers

    static double filledAndReadAsNumbers(INDArray w) {
        double d = w.getNumber(0L, 1L).doubleValue();
        INDArray filled = Nd4j.valueArrayOf(new long[] {2, 3}, d * d, DataType.DOUBLE);
        Number n = w.getNumber(4);
        return filled.mul(w).sumNumber().doubleValue() + n.doubleValue() * Math.sin(d);
    }

    @Test
    void valuesFilledIntoATensorAndNumbersReadOutOfOneDifferentiate() {
        INDArray w = Nd4j.createFromArray(new double[][] {{0.3, -0.7, 0.2}, {0.9, -0.1, 0.5}});
        INDArray g = TensorAD.gradient(TensorsEndToEndTest::filledAndReadAsNumbers, w);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                INDArray plus = w.dup(), minus = w.dup();
                plus.putScalar(i, j, w.getDouble(i, j) + 1e-6);
                minus.putScalar(i, j, w.getDouble(i, j) - 1e-6);
                double fd = (filledAndReadAsNumbers(plus) - filledAndReadAsNumbers(minus)) / 2e-6;
                assertEquals(fd, g.getDouble(i, j), 1e-7, "element " + i + ", " + j);
            }
        }
    }

    // ---- INDArray[] copied whole or in part: System.arraycopy and clone move the elements' adjoints back

    static double shiftedWithinOneArray(INDArray w) {
        INDArray[] a = {w, w.mul(2), Transforms.sin(w), w.mul(w)};
        System.arraycopy(a, 0, a, 1, 3); // {w, w, 2w, sin w}: overlapping, as if through a temporary
        double s = 0;
        for (int i = 0; i < 4; i++) s += a[i].mul(i + 1).mul(a[i]).sumNumber().doubleValue();
        return s;
    }

    static double copiedOverOtherElements(INDArray w) {
        INDArray[] a = {w.mul(3), Transforms.exp(w)};
        INDArray[] b = {Transforms.cos(w), w.mul(5), w.mul(7)};
        System.arraycopy(a, 0, b, 1, 2); // {cos w, 3w, exp w}: 5w and 7w no longer reach the loss
        return b[0].mul(b[1]).add(b[2]).sumNumber().doubleValue();
    }

    static double clonedThenOneReplaced(INDArray w) {
        INDArray[] a = {w.mul(2), Transforms.sin(w)};
        INDArray[] b = a.clone();
        b[1] = w.mul(w);
        return a[1].mul(b[1]).add(b[0]).sumNumber().doubleValue();
    }

    static double statesCopiedEachStep(INDArray w) {
        INDArray[] state = {w, w.mul(0.5)};
        for (int t = 0; t < 3; t++) {
            INDArray[] next = new INDArray[2];
            System.arraycopy(state, 0, next, 0, 2);
            next[0] = Transforms.tanh(state[0].add(state[1]));
            state = next;
        }
        return state[0].mul(state[1]).sumNumber().doubleValue();
    }

    private static void assertCentralDifferences(org.grad4j.tensor.TensorFunction f, INDArray w) {
        INDArray g = TensorAD.gradient(f, w);
        for (long i = 0; i < w.length(); i++) {
            INDArray plus = w.dup(), minus = w.dup();
            plus.putScalar(i, w.getDouble(i) + 1e-6);
            minus.putScalar(i, w.getDouble(i) - 1e-6);
            double fd = (f.apply(plus) - f.apply(minus)) / 2e-6;
            assertEquals(fd, g.getDouble(i), 1e-6 * Math.max(1, Math.abs(fd)), "element " + i);
        }
    }

    /** The static reductions of Nd4j, whole and along a dimension (Nd4j.min was refused before, though listed). */
    static double staticReductions(INDArray w) {
        INDArray sq = w.mul(w).add(w);
        return Nd4j.max(sq, 1).sumNumber().doubleValue() + 2 * Nd4j.min(sq, 1).sumNumber().doubleValue()
                + 3 * Nd4j.min(sq).getDouble(0) + Nd4j.max(w).getDouble(0) * Nd4j.sum(sq, 0).getDouble(1)
                + Nd4j.mean(sq).getDouble(0) + Nd4j.mean(w, 1).getDouble(0) * Nd4j.sum(w).getDouble(0);
    }

    @Test
    void staticReductionsOfNd4jDifferentiate() {
        assertCentralDifferences(TensorsEndToEndTest::staticReductions,
                Nd4j.createFromArray(new double[][] {{0.3, -0.7, 0.2}, {0.9, -0.1, 0.55}}));
    }

    /** Before: the copies' adjoints stayed in the copy's shadow, and the gradient was silently 0. */
    @Test
    void tensorArraysCopiedOrClonedPassTheirAdjointsBack() {
        INDArray w = Nd4j.createFromArray(new double[][] {{0.3, -0.7, 0.2}, {0.9, -0.1, 0.5}});
        assertCentralDifferences(TensorsEndToEndTest::shiftedWithinOneArray, w);
        assertCentralDifferences(TensorsEndToEndTest::copiedOverOtherElements, w);
        assertCentralDifferences(TensorsEndToEndTest::clonedThenOneReplaced, w);
        assertCentralDifferences(TensorsEndToEndTest::statesCopiedEachStep, w);
    }

    // ---- INDArray[][]: rows stored, aliased, cloned and copied keep their shadows, as double[][] rows do

    static double gridOfRows(INDArray w) {
        INDArray[][] g = {{w, w.mul(2)}, {Transforms.sin(w), w.mul(w)}}; // rows stored into the container
        INDArray[] alias = g[0];
        alias[0] = Transforms.exp(w); // written through the alias: g[0][0] too
        INDArray[] second = g[1];
        g[1] = g[1].clone();
        g[1][1] = w.mul(3); // the clone's element only: second[1] is still w²
        return g[0][0].mul(second[1]).add(g[0][1]).add(g[1][1].mul(g[1][0])).sumNumber().doubleValue();
    }

    static double gridRowsCopied(INDArray w) {
        INDArray[][] g = {{w, w.mul(2)}, {Transforms.sin(w), w.mul(w)}};
        INDArray[][] h = new INDArray[2][];
        System.arraycopy(g, 0, h, 0, 2); // rows shared by reference
        h[0][0] = Transforms.exp(w);
        return g[0][0].mul(h[1][1]).add(h[0][1]).sumNumber().doubleValue();
    }

    /** Before: a row stored into an INDArray[][] got no shadow in it, and its elements' adjoints were lost. */
    @Test
    void tensorGridsKeepTheirRowsShadowsLikeMatrices() {
        INDArray w = Nd4j.createFromArray(new double[][] {{0.3, -0.7, 0.2}, {0.9, -0.1, 0.5}});
        assertCentralDifferences(TensorsEndToEndTest::gridOfRows, w);
        assertCentralDifferences(TensorsEndToEndTest::gridRowsCopied, w);
    }

    /** Layers kept in an INDArray[] parameter, copied before use. */
    static final class CopiedLayers {
        @Parameter INDArray[] ws = {Nd4j.createFromArray(new double[][] {{0.5, -0.2}, {0.1, 0.3}, {-0.4, 0.2}}),
            Nd4j.createFromArray(new double[][] {{0.3, 0.1}, {-0.2, 0.6}})};

        double loss(INDArray x) {
            INDArray[] cloned = ws.clone();
            INDArray[] copied = new INDArray[2];
            System.arraycopy(ws, 0, copied, 0, 2);
            INDArray[][] grid = {cloned, copied};
            return Transforms.tanh(x.mmul(grid[0][0])).mmul(grid[1][1]).norm2Number().doubleValue();
        }
    }

    @Test
    void parameterArraysCopiedInTheLossGetTheirGradients() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2, -1}, {0.5, -0.5, 3}});
        CopiedLayers model = new CopiedLayers();
        INDArray[] g = (INDArray[]) Model.gradient(model, m -> m.loss(x)).get("ws");
        for (int k = 0; k < 2; k++) {
            for (long i = 0; i < model.ws[k].length(); i++) {
                double v = model.ws[k].getDouble(i);
                model.ws[k].putScalar(i, v + 1e-6);
                double plus = model.loss(x);
                model.ws[k].putScalar(i, v - 1e-6);
                double minus = model.loss(x);
                model.ws[k].putScalar(i, v);
                assertEquals((plus - minus) / 2e-6, g[k].getDouble(i), 1e-7, "ws[" + k + "] element " + i);
            }
        }
    }
    /** A grid of input tensors (an INDArray[][] of data) captured by the loss: its shadow is null at the entry. */
    static double gridLoss(INDArray w, INDArray[][] xs) {
        double s = 0;
        for (INDArray[] row : xs) for (INDArray x : row) s += Transforms.tanh(x.mmul(w)).sumNumber().doubleValue();
        return s;
    }

    @Test
    void aGridOfDataTensorsCapturedByTheLoss() {
        INDArray w = Nd4j.create(new double[][] {{0.3, -0.2}, {0.5, 0.1}});
        INDArray[][] xs = {{Nd4j.create(new double[][] {{1, 2}}), Nd4j.create(new double[][] {{-0.5, 0.3}})},
                {Nd4j.create(new double[][] {{0.2, -1}})}};
        INDArray g = TensorAD.gradient(v -> gridLoss(v, xs), w);
        INDArray expected = Nd4j.zeros(DataType.DOUBLE, 2, 2);
        for (INDArray[] row : xs) {
            for (INDArray x : row) { // d/dw sum(tanh(x w)) = x^T (1 - tanh(x w)^2)
                INDArray t = Transforms.tanh(x.mmul(w));
                expected.addi(x.transpose().mmul(t.mul(t).rsub(1.0)));
            }
        }
        assertTrue(expected.equalsWithEps(g, 1e-12), g + " against " + expected);
    }
    /** An int taken from a differentiable tensor (a count) carries no derivative: allowed. */
    static double repeated(INDArray w) {
        int k = Math.abs(w.sumNumber().intValue()) % 3 + 1;
        double s = 0;
        for (int i = 0; i < k; i++) s += w.mul(i + 1).sumNumber().doubleValue();
        return s;
    }

    @Test
    void anIntegerOfADifferentiableSum() {
        INDArray w = Nd4j.create(new double[][] {{1.5, 2.25}, {-0.5, 1}}); // sum 4.25: k = 2, s = 3 sum(w)
        INDArray g = TensorAD.gradient(TensorsEndToEndTest::repeated, w);
        assertTrue(Nd4j.zeros(DataType.DOUBLE, 2, 2).addi(3.0).equalsWithEps(g, 1e-12), g.toString());
    }
    /** A layer's defensive null checks on its input and weights: a check only, its result unused. */
    static INDArray checkedLayer(INDArray x, INDArray w) {
        java.util.Objects.requireNonNull(x, "x");
        java.util.Objects.requireNonNull(w);
        return Transforms.tanh(x.mmul(w));
    }

    @Test
    void nullChecksOfTensorsRunAsWritten() {
        INDArray x = Nd4j.create(new double[][] {{1, -2}, {0.5, 0.25}});
        INDArray w = Nd4j.create(new double[][] {{0.3, -0.2}, {0.5, 0.1}});
        INDArray g = TensorAD.gradient(v -> checkedLayer(x, v).sumNumber().doubleValue(), w);
        INDArray t = Transforms.tanh(x.mmul(w));
        INDArray expected = x.transpose().mmul(t.mul(t).rsub(1.0)); // d/dw sum(tanh(x w))
        assertTrue(expected.equalsWithEps(g, 1e-12), g + " against " + expected);
        org.junit.jupiter.api.Assertions.assertThrows(NullPointerException.class,
                () -> TensorAD.gradient(v -> checkedLayer(null, v).sumNumber().doubleValue(), w));
    }
}
