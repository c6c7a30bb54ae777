package org.grad4j.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulation of tensor adjoints, called by generated code and by the runtime. A null adjoint
 * is zero. Sums are out of place: adjoints are shared between rules ({@code add} hands the same
 * {@code dz} to both inputs) and views share memory, so nothing is updated in place, except by
 * {@link #addInPlace} into an accumulator its caller owns.
 *
 * <p>Typed {@code Object} so that callers outside this package (the runtime's entry calls)
 * need no ND4J types in their signatures; they call here only when a tensor is at hand.
 */
public final class TensorAdjoints {
    private TensorAdjoints() {}

    public static Object add(Object accumulated, Object contribution) {
        if (contribution == null) return accumulated;
        if (accumulated == null) return contribution;
        return ((INDArray) accumulated).add((INDArray) contribution);
    }

    /**
     * {@code owned + contribution}, into {@code owned} when the shapes match (the sum keeps
     * {@code owned}'s dtype either way), else out of place. Only for an accumulator the caller
     * made itself and never handed out: see {@code ParameterAdjoints.addTensor}.
     */
    public static Object addInPlace(Object owned, Object contribution) {
        INDArray sum = (INDArray) owned;
        INDArray c = (INDArray) contribution;
        return java.util.Arrays.equals(sum.shape(), c.shape()) ? sum.addi(c) : sum.add(c);
    }

    /**
     * The gradient of tensor {@code x} as the API hands it out: {@code adjoint}, or zeros shaped
     * and typed like {@code x} when it is null (no path from {@code x} to the output); null when
     * {@code x} is null. The adjoint is given {@code x}'s dtype.
     */
    public static Object orZeros(Object adjoint, Object x) {
        if (x == null) return null;
        INDArray like = (INDArray) x;
        if (adjoint != null) return Tensors.like((INDArray) adjoint, like.dataType());
        return Tensors.zeros(like);
    }

    /**
     * Adds a rule's adjoints of an array argument into the array's shadow: for an
     * {@code INDArray[]} element {@code i} for element {@code i} (null for zero), out of place;
     * for a {@code double[]} or {@code float[]} ({@code Nd4j.create(w, shape)}) each element, into
     * the shadow itself, as the adjoint of an element read {@code w[i]} is.
     */
    public static void addInto(Object shadow, Object contributions) {
        if (shadow == null || contributions == null) return;
        if (shadow instanceof double[] ds) {
            double[] c = (double[]) contributions;
            for (int i = 0; i < Math.min(ds.length, c.length); i++) ds[i] += c[i];
            return;
        }
        if (shadow instanceof float[] fs) {
            float[] c = (float[]) contributions;
            for (int i = 0; i < Math.min(fs.length, c.length); i++) fs[i] += c[i];
            return;
        }
        Object[] s = (Object[]) shadow;
        Object[] c = (Object[]) contributions;
        for (int i = 0; i < Math.min(s.length, c.length); i++) s[i] = add(s[i], c[i]);
    }
}
