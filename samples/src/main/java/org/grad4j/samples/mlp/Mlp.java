package org.grad4j.samples.mlp;

import java.util.Random;
import org.grad4j.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A multilayer perceptron on ND4J, written the way one writes it without any AD in mind: the
 * weights are {@code INDArray} fields, the forward pass is {@code mmul}, {@code addRowVector}
 * and {@code tanh}, the loss a softmax cross-entropy. The {@code @Parameter} annotations are all
 * grad4j needs: {@code Model.gradient(net, m -> m.loss(x, y))} returns the gradient of every
 * annotated field, {@code Optimizer.adam(lr).step(g)} updates them in place.
 *
 * <p>Rows of {@code x} are examples; {@code y} holds one one-hot row per example.
 */
public final class Mlp {
    @Parameter INDArray w1;
    @Parameter INDArray b1;
    @Parameter INDArray w2;
    @Parameter INDArray b2;
    @Parameter INDArray w3;
    @Parameter INDArray b3;

    /**
     * Two hidden layers of {@code hidden} tanh units. Weights are drawn from {@code seed}
     * (Glorot-scaled normal), biases start at zero.
     */
    public Mlp(DataType type, int inputs, int hidden, int classes, long seed) {
        Random random = new Random(seed);
        w1 = glorot(type, inputs, hidden, random);
        b1 = Nd4j.zeros(type, 1, hidden);
        w2 = glorot(type, hidden, hidden, random);
        b2 = Nd4j.zeros(type, 1, hidden);
        w3 = glorot(type, hidden, classes, random);
        b3 = Nd4j.zeros(type, 1, classes);
    }

    private Mlp(INDArray[] p) {
        w1 = p[0]; b1 = p[1]; w2 = p[2]; b2 = p[3]; w3 = p[4]; b3 = p[5];
    }

    private static INDArray glorot(DataType type, int rows, int cols, Random random) {
        double scale = Math.sqrt(2.0 / (rows + cols));
        double[][] w = new double[rows][cols];
        for (double[] row : w) for (int j = 0; j < cols; j++) row[j] = scale * random.nextGaussian();
        return Nd4j.create(w).castTo(type);
    }

    /** The scores of each class, one row per example. */
    public INDArray logits(INDArray x) {
        INDArray h1 = Transforms.tanh(x.mmul(w1).addRowVector(b1));
        INDArray h2 = Transforms.tanh(h1.mmul(w2).addRowVector(b2));
        return h2.mmul(w3).addRowVector(b3);
    }

    /** The mean cross-entropy of the softmax of the logits against the one-hot labels {@code y}. */
    public double loss(INDArray x, INDArray y) {
        return softmaxCrossEntropy(logits(x), y);
    }

    /**
     * {@code -mean(sum(y ⊙ log softmax(z)))}, with the log-softmax computed as
     * {@code z - max(z) - log(sum(exp(z - max(z))))} so that large scores cannot overflow.
     */
    static double softmaxCrossEntropy(INDArray logits, INDArray y) {
        INDArray shifted = logits.subColumnVector(logits.max(true, 1));
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted).sum(true, 1));
        INDArray logProbabilities = shifted.subColumnVector(logSumExp);
        return -logProbabilities.mul(y).sumNumber().doubleValue() / y.rows();
    }

    /** The predicted class of each row of {@code x}. */
    public int[] predict(INDArray x) {
        return Nd4j.argMax(logits(x), 1).toIntVector();
    }

    /** The fraction of rows of {@code x} whose predicted class is {@code labels}'. */
    public double accuracy(INDArray x, int[] labels) {
        int[] predicted = predict(x);
        int right = 0;
        for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) right++;
        return (double) right / labels.length;
    }

    /** The parameters in declaration order (the same objects, not copies). */
    public INDArray[] parameters() {
        return new INDArray[] {w1, b1, w2, b2, w3, b3};
    }

    /** The field names of {@link #parameters()}, which are also their paths in {@code ParameterGradients}. */
    public static final String[] NAMES = {"w1", "b1", "w2", "b2", "w3", "b3"};

    /** A copy with every parameter cast to {@code type} (e.g. float64 for a gradient check). */
    public Mlp copy(DataType type) {
        INDArray[] p = parameters();
        INDArray[] c = new INDArray[p.length];
        for (int i = 0; i < p.length; i++) c[i] = p[i].castTo(type).dup();
        return new Mlp(c);
    }

    /** How many numbers the parameters hold. */
    public long size() {
        long n = 0;
        for (INDArray p : parameters()) n += p.length();
        return n;
    }
}
