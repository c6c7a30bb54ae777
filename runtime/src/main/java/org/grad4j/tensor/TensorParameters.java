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
     * parameter, stepped once). Each element has its own state, {@code slotsOf} it (by identity, so
     * an element replaced by a new tensor starts fresh).
     */
    public static void step(Optimizer optimizer, Object value, Object g, Object[] slots,
            java.util.function.Function<Object, Object[]> slotsOf, java.util.Set<Object> stepped) {
        if (value instanceof INDArray p) {
            // flatten in one order ('c') whatever order the gradient came in (a transposed product gives 'f')
            INDArray grad = ((INDArray) g).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c');
            double[] u = optimizer.updateFlat(grad.data().asDouble(), slots);
            p.subi(Nd4j.create(u, p.shape(), 'c').castTo(p.dataType()));
        } else if (value instanceof INDArray[] ps) {
            INDArray[] gs = (INDArray[]) g;
            for (int i = 0; i < ps.length; i++) {
                if (ps[i] == null || !stepped.add(ps[i])) continue;
                step(optimizer, ps[i], gs[i], slotsOf.apply(ps[i]), slotsOf, stepped);
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

    /**
     * Which allocation {@code t}'s elements are in, as a key for grouping tensors that may share
     * memory; 0 for an empty tensor, which shares none.
     */
    public static long allocation(Object t) {
        INDArray x = (INDArray) t;
        return x.isEmpty() ? 0 : x.data().address();
    }

    /**
     * Whether distinct tensors {@code a} and {@code b} have an element in common: same allocation
     * and element type, and an element offset both reach. Bounds first; only views whose bounds
     * interleave (strided columns of one matrix) have their offsets enumerated.
     */
    public static boolean overlaps(Object a, Object b) {
        INDArray x = (INDArray) a, y = (INDArray) b;
        if (x.isEmpty() || y.isEmpty() || x.dataType() != y.dataType()) return false;
        if (x.data().address() != y.data().address()) return false;
        long[] xs = span(x), ys = span(y);
        long from = Math.max(xs[0], ys[0]), to = Math.min(xs[1], ys[1]);
        if (from > to) return false;
        if (isDense(x, xs) || isDense(y, ys)) return true; // one reaches every offset of the common range
        if (to - from >= Integer.MAX_VALUE) return true; // too wide to enumerate: assume the worst
        java.util.BitSet reached = new java.util.BitSet();
        forEachOffset(x, o -> { if (o >= from && o <= to) reached.set((int) (o - from)); });
        boolean[] common = {false};
        forEachOffset(y, o -> { if (o >= from && o <= to && reached.get((int) (o - from))) common[0] = true; });
        return common[0];
    }

    /** Whether {@code x} reaches every offset between its bounds (its length is its span's). */
    private static boolean isDense(INDArray x, long[] span) {
        return x.length() == span[1] - span[0] + 1;
    }

    private static void forEachOffset(INDArray x, java.util.function.LongConsumer action) {
        long[] shape = x.shape(), stride = x.stride();
        long[] index = new long[shape.length];
        long offset = x.offset();
        for (long n = x.length(); n > 0; n--) {
            action.accept(offset);
            for (int d = shape.length - 1; d >= 0; d--) { // odometer: the last dimension fastest
                if (++index[d] < shape[d]) {
                    offset += stride[d];
                    break;
                }
                offset -= (shape[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
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
