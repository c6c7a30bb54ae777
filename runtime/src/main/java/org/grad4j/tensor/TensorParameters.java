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

    /**
     * Steps a tensor or the elements of a tensor array; {@code stepped} holds the parameter objects
     * this step has updated already (an element that is also another field's tensor is one
     * parameter, stepped once).
     */
    public static void step(Optimizer optimizer, Object value, Object g, Object[] slots, long t, java.util.Set<Object> stepped) {
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
                if (ps[i] == null || !stepped.add(ps[i])) continue;
                if (per[i] == null) per[i] = new Object[2];
                step(optimizer, ps[i], gs[i], per[i], t, stepped);
            }
        }
    }

    /**
     * Whether every element of {@code view} is an element of {@code parameter}: both in one
     * allocation (same base address and element type), the view's span of it within the
     * parameter's. Spans are from the offset to the farthest element the strides reach, so a
     * strided view counts by its bounds.
     */
    public static boolean liesWithin(Object view, Object parameter) {
        INDArray v = (INDArray) view, p = (INDArray) parameter;
        if (v == p) return true;
        if (v.isEmpty() || p.isEmpty() || v.dataType() != p.dataType()) return false;
        if (v.data().address() != p.data().address()) return false;
        long[] vs = span(v), ps = span(p);
        return vs[0] >= ps[0] && vs[1] <= ps[1];
    }

    /** The first and last element offsets {@code x} reaches in its allocation. */
    private static long[] span(INDArray x) {
        long first = x.offset(), last = x.offset();
        long[] shape = x.shape(), stride = x.stride();
        for (int i = 0; i < shape.length; i++) {
            long reach = (shape[i] - 1) * stride[i];
            if (reach < 0) first += reach;
            else last += reach;
        }
        return new long[] {first, last};
    }
}
