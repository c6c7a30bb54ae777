package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Tensor code: INDArray values flowing through branches, loops, helpers and arrays of tensors. */
public final class TensorCode {
    private TensorCode() {}

    @Differentiable
    public static double layer(INDArray w, INDArray x) {
        INDArray h = Transforms.tanh(x.mmul(w));
        return h.sumNumber().doubleValue();
    }

    static INDArray cell(INDArray h, INDArray w) {
        return Transforms.tanh(h.mmul(w));
    }

    @Differentiable
    public static double unrolled(INDArray w, INDArray h0, int steps) {
        INDArray h = h0;
        for (int t = 0; t < steps; t++) {
            h = t % 2 == 0 ? cell(h, w) : Transforms.tanh(h.mmul(w)).mmul(w);
        }
        return h.sumNumber().doubleValue();
    }

    @Differentiable
    public static double layers(INDArray[] ws, INDArray x) {
        INDArray h = x;
        for (INDArray w : ws) h = Transforms.tanh(h.mmul(w));
        return h.sumNumber().doubleValue();
    }

    @Differentiable
    public static double inPlaceRowVector(INDArray w, INDArray b) {
        INDArray h = w.mul(2.0);
        h.addiRowVector(b);
        return h.sumNumber().doubleValue();
    }

    @Differentiable
    public static double inPlace(INDArray w, INDArray x) {
        INDArray h = x.mmul(w);
        h.addi(1.0);
        return h.sumNumber().doubleValue();
    }
}
