package org.grad4j.benchmarks.kernels;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One training step of a multilayer perceptron on ND4J (issue 7's tensor row): 784-256-256-10,
 * tanh hidden layers, softmax cross-entropy, a batch of 128, float32. Four ways to the same
 * numbers:
 *
 * <ul>
 *   <li><b>primal</b>: {@link Net#loss}, the forward pass as a user writes it;</li>
 *   <li><b>grad4j</b>: {@code Model.gradient(net, m -> m.loss(x, y))} of that same method;</li>
 *   <li><b>manual</b>: the same forward pass and a hand-written backward pass, as a careful ND4J
 *       user writes it: {@code Nd4j.gemm} with transpose flags (no transposed copies), tanh's
 *       derivative from its result in place ({@code dh ⊙ (1 − h²)}: ND4J 1.0.0-M2.1's fused
 *       {@code tanh_bp} is several times slower on CPU), in-place updates where nothing else reads
 *       the array, and the softmax-cross-entropy adjoint simplified to {@code (softmax − y) / n};</li>
 *   <li><b>SameDiff</b>: ND4J's own graph AD, {@code calculateGradients} of the same loss (graph
 *       built once).</li>
 * </ul>
 */
public final class Mlp {
    private Mlp() {}

    /** The model as a user writes it: parameters are fields, the loss a method. */
    public static final class Net {
        @Parameter INDArray w1;
        @Parameter INDArray b1;
        @Parameter INDArray w2;
        @Parameter INDArray b2;
        @Parameter INDArray w3;
        @Parameter INDArray b3;

        Net(DataType type, int[] sizes, long seed) {
            Random random = new Random(seed);
            w1 = glorot(type, sizes[0], sizes[1], random);
            b1 = small(type, sizes[1], random);
            w2 = glorot(type, sizes[1], sizes[2], random);
            b2 = small(type, sizes[2], random);
            w3 = glorot(type, sizes[2], sizes[3], random);
            b3 = small(type, sizes[3], random);
        }

        public double loss(INDArray x, INDArray y) {
            INDArray h1 = Transforms.tanh(x.mmul(w1).addRowVector(b1));
            INDArray h2 = Transforms.tanh(h1.mmul(w2).addRowVector(b2));
            INDArray logits = h2.mmul(w3).addRowVector(b3);
            INDArray shifted = logits.subColumnVector(logits.max(true, 1));
            INDArray logSumExp = Transforms.log(Transforms.exp(shifted).sum(true, 1));
            return -shifted.subColumnVector(logSumExp).mul(y).sumNumber().doubleValue() / y.rows();
        }

        public INDArray[] parameters() {
            return new INDArray[] {w1, b1, w2, b2, w3, b3};
        }
    }

    public static final String[] NAMES = {"w1", "b1", "w2", "b2", "w3", "b3"};

    private static INDArray glorot(DataType type, int rows, int cols, Random random) {
        double scale = Math.sqrt(2.0 / (rows + cols));
        double[][] w = new double[rows][cols];
        for (double[] row : w) for (int j = 0; j < cols; j++) row[j] = scale * random.nextGaussian();
        return Nd4j.create(w).castTo(type);
    }

    /** Biases: small but not zero, so that a wrong bias gradient shows. */
    private static INDArray small(DataType type, int n, Random random) {
        double[][] b = new double[1][n];
        for (int j = 0; j < n; j++) b[0][j] = 0.1 * random.nextGaussian();
        return Nd4j.create(b).castTo(type);
    }

    /** A value and one gradient per parameter, in {@link #NAMES} order. */
    public record Result(double value, INDArray[] gradients) {}

    /** The benchmark instance and the four ways to its gradient. */
    public static final class Problem {
        private final int[] sizes;
        private final int batch;
        private final DataType type;
        public final Net net;
        public final INDArray x;
        public final INDArray y;
        private SameDiff sd;

        /** The benchmark instance, for the report (without building it). */
        public static final String DESCRIPTION = "MLP training step 784-256-256-10, batch 128, float32 (ND4J, 1 thread)";

        /** Issue 7's size: 784-256-256-10, batch 128, float32. */
        public static Problem benchmark() {
            return new Problem(new int[] {784, 256, 256, 10}, 128, DataType.FLOAT, 42);
        }

        public Problem(int[] sizes, int batch, DataType type, long seed) {
            this.sizes = sizes.clone();
            this.batch = batch;
            this.type = type;
            this.net = new Net(type, sizes, seed);
            Random random = new Random(seed + 1);
            double[][] xs = new double[batch][sizes[0]];
            double[][] ys = new double[batch][sizes[3]];
            for (int i = 0; i < batch; i++) {
                for (int j = 0; j < sizes[0]; j++) xs[i][j] = random.nextDouble();   // pixel-like inputs in [0, 1)
                ys[i][random.nextInt(sizes[3])] = 1;
            }
            x = Nd4j.create(xs).castTo(type);
            y = Nd4j.create(ys).castTo(type);
        }

        public String description() {
            return String.format("MLP training step %d-%d-%d-%d, batch %d, %s (ND4J, 1 thread)", sizes[0], sizes[1], sizes[2],
                    sizes[3], batch, type == DataType.FLOAT ? "float32" : type.name().toLowerCase());
        }

        public double primal() {
            return net.loss(x, y);
        }

        public Result grad4j() {
            INDArray bx = x, by = y;
            ParameterGradients g = Model.gradient(net, m -> m.loss(bx, by));
            INDArray[] out = new INDArray[NAMES.length];
            for (int i = 0; i < out.length; i++) out[i] = (INDArray) g.get(NAMES[i]);
            return new Result(g.value(), out);
        }

        /** The same forward pass, then the backward pass by hand. */
        public Result manual() {
            Net n = net;
            INDArray z1 = x.mmul(n.w1).addiRowVector(n.b1);
            INDArray h1 = Transforms.tanh(z1, true);
            INDArray z2 = h1.mmul(n.w2).addiRowVector(n.b2);
            INDArray h2 = Transforms.tanh(z2, true);
            INDArray logits = h2.mmul(n.w3).addiRowVector(n.b3);
            INDArray shifted = logits.subiColumnVector(logits.max(true, 1));
            INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
            INDArray logProbabilities = shifted.subiColumnVector(logSumExp);
            double value = -logProbabilities.mul(y).sumNumber().doubleValue() / batch;

            // d loss / d logits = (softmax - y) / batch
            INDArray dLogits = Transforms.exp(logProbabilities, false).subi(y).divi(batch);
            INDArray dw3 = Nd4j.gemm(h2, dLogits, true, false);
            INDArray db3 = dLogits.sum(true, 0);
            INDArray dh2 = Nd4j.gemm(dLogits, n.w3, false, true);
            INDArray dz2 = dh2.muli(h2.mul(h2).rsubi(1.0));
            INDArray dw2 = Nd4j.gemm(h1, dz2, true, false);
            INDArray db2 = dz2.sum(true, 0);
            INDArray dh1 = Nd4j.gemm(dz2, n.w2, false, true);
            INDArray dz1 = dh1.muli(h1.mul(h1).rsubi(1.0));
            INDArray dw1 = Nd4j.gemm(x, dz1, true, false);
            INDArray db1 = dz1.sum(true, 0);
            return new Result(value, new INDArray[] {dw1, db1, dw2, db2, dw3, db3});
        }

        /** ND4J SameDiff: the same loss as a graph (built on first use), {@code calculateGradients} per step. */
        public Result sameDiff() {
            if (sd == null) sd = graph();
            sd.getVariable("x").setArray(x);
            sd.getVariable("y").setArray(y);
            Map<String, INDArray> g = sd.calculateGradients(null, NAMES);
            INDArray[] out = new INDArray[NAMES.length];
            for (int i = 0; i < out.length; i++) out[i] = g.get(NAMES[i]);
            return new Result(Double.NaN, out);
        }

        /** The loss by SameDiff's forward pass (to check the graph is the same function). */
        public double sameDiffValue() {
            if (sd == null) sd = graph();
            return sd.getVariable("loss").eval().getDouble(0);
        }

        private SameDiff graph() {
            SameDiff s = SameDiff.create();
            SDVariable in = s.constant("x", x), label = s.constant("y", y);
            Map<String, SDVariable> p = new LinkedHashMap<>();
            INDArray[] values = net.parameters();
            for (int i = 0; i < NAMES.length; i++) p.put(NAMES[i], s.var(NAMES[i], values[i]));
            SDVariable h1 = s.math().tanh(in.mmul(p.get("w1")).add(p.get("b1")));
            SDVariable h2 = s.math().tanh(h1.mmul(p.get("w2")).add(p.get("b2")));
            SDVariable logits = h2.mmul(p.get("w3")).add(p.get("b3"));
            // logSoftmax(logits, 1) fails in 1.0.0-M2.1 (NoSuchMethodException: java.lang.Integer.values()); the default is the last dimension
            SDVariable loss = s.nn().logSoftmax(logits).mul(label).sum().neg().div("loss", batch);
            loss.markAsLoss();
            return s;
        }
    }

    /** Largest |a − b| over all gradients, divided by the largest |b|. */
    public static double relativeError(INDArray[] a, INDArray[] b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < b.length; i++) {
            INDArray bi = b[i].reshape(a[i].shape()).castTo(DataType.DOUBLE);
            diff = Math.max(diff, a[i].castTo(DataType.DOUBLE).sub(bi).amaxNumber().doubleValue());
            scale = Math.max(scale, bi.amaxNumber().doubleValue());
        }
        return diff / Math.max(scale, Double.MIN_NORMAL);
    }
}
