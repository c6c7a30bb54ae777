package org.grad4j.runtime;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Tensor adjoints merged by the identity of their tensor. One {@code INDArray} object reached in
 * several places — passed at two positions ({@code f(w, w)}), held by two {@code @Parameter}
 * fields (tied weights: {@code dec = enc}), an element of an {@code INDArray[]} parameter — is
 * one variable: its gradient is the sum of what reached each place, and every place hands out
 * that one object, as the shared shadow of a {@code double[]} does ({@link Shadows}). Without
 * the sum each place would get only its own share, a silently partial gradient.
 *
 * <p>Every contribution is added ({@link #add}) before the first gradient is asked for. Used only
 * when tensors are present, so ND4J is loaded.
 */
final class TiedTensors {
    private final Map<Object, Object> sums = new IdentityHashMap<>();
    private final Map<Object, Object> gradients = new IdentityHashMap<>();

    /** One place's adjoint of {@code tensor} (null: nothing reached it there). */
    void add(Object tensor, Object adjoint) {
        if (tensor == null) return;
        // out of place: rules share adjoints, so one object may be handed to two places
        sums.put(tensor, org.grad4j.tensor.TensorAdjoints.add(sums.get(tensor), adjoint));
    }

    /** The gradient of {@code tensor}: the sum of its places' adjoints, or zeros like it; the same object each time. */
    Object gradientOf(Object tensor) {
        if (tensor == null) return null;
        return gradients.computeIfAbsent(tensor, t -> org.grad4j.tensor.TensorAdjoints.orZeros(sums.get(t), t));
    }
}
