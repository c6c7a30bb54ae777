package org.grad4j.tensor;

import org.grad4j.Optimizer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tensor side of model parameters, apart so that models without tensors never load ND4J.
 * Optimiser steps run on the host through the same update rule as arrays; an update is written
 * back in place ({@code subi}), since the model holds the tensor.
 */
public final class TensorParameters {
    private TensorParameters() {}

    public static double squaredNorm(Object g) {
        if (g instanceof INDArray t) return t.norm2Number().doubleValue() * t.norm2Number().doubleValue();
        if (g instanceof INDArray[] ts) {
            double s = 0;
            for (INDArray t : ts) s += squaredNorm(t);
            return s;
        }
        return 0;
    }

    public static void step(Optimizer optimizer, Object value, Object g, Object[] slots, long t) {
        if (value instanceof INDArray p) {
            // flatten in one order ('c') whatever order the gradient came in (a transposed product gives 'f')
            INDArray grad = ((INDArray) g).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c');
            double[] u = optimizer.updateFlat(grad.data().asDouble(), slots, t);
            p.subi(Nd4j.create(u, p.shape(), 'c').castTo(p.dataType()));
        } else if (value instanceof INDArray[] ps) {
            INDArray[] gs = (INDArray[]) g;
            if (slots[0] == null) slots[0] = new Object[ps.length][];
            Object[][] per = (Object[][]) slots[0];
            for (int i = 0; i < ps.length; i++) {
                if (per[i] == null) per[i] = new Object[2];
                step(optimizer, ps[i], gs[i], per[i], t);
            }
        }
    }
}
