package org.grad4j.tensor;

import org.grad4j.GradientException;
import org.grad4j.runtime.DepthExceededException;
import org.grad4j.runtime.EntryCall;
import org.grad4j.runtime.Functions;
import org.grad4j.runtime.Outcome;
import org.grad4j.runtime.TopContinuation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradients of scalar functions of ND4J tensors, the tensor counterpart of
 * {@link org.grad4j.AD}:
 *
 * <pre>{@code
 * INDArray g = TensorAD.gradient(w -> Model.loss(w, x, y), w);
 * }</pre>
 *
 * It lives apart from {@code AD} on purpose: an overload of {@code AD.gradient} that mentions
 * {@code INDArray} would make javac need ND4J to compile any {@code AD.gradient} call.
 *
 * <p>Everything said in {@link org.grad4j.AD} holds: the agent must be attached, the function
 * runs on a gradient worker thread (so ND4J's thread-local workspaces there are the worker's,
 * not the caller's), values the lambda captures are constants (the gradient is with respect to
 * its argument only), and what the function throws is rethrown unchanged. {@code x} is passed
 * as it is, never copied.
 */
public final class TensorAD {
    private TensorAD() {}

    /**
     * The gradient of {@code f} at {@code x}: a tensor of {@code x}'s shape and dtype (zeros when
     * the value does not depend on {@code x}).
     */
    public static INDArray gradient(TensorFunction f, INDArray x) {
        try {
            if (x == null) {
                throw new GradientException("grad4j: the point x to take the gradient at is null");
            }
            Functions.Resolved r = Functions.resolve(f, TensorFunction.class, INDArray.class, double.class, x);
            Outcome o = EntryCall.onWorker(r.call(), TopContinuation.scalar(1.0));
            return (INDArray) o.tensorAdjoint(r.input());
        } catch (StackOverflowError e) { // called with little stack left: say so (no room to make an exception)
            throw DepthExceededException.NO_STACK_LEFT;
        }
    }

    /**
     * A copy of {@code x} whose derivative is zero: in differentiated code its values are data.
     * For what a loss computes beside the value it differentiates — BatchNorm's running mean
     * ({@code running = running.mul(0.9).add(TensorAD.stopGradient(mean).mul(0.1))}, kept in a
     * field), a target built from the model's own output. The tensor counterpart of
     * {@link org.grad4j.AD#stopGradient(double)}.
     */
    public static INDArray stopGradient(INDArray x) {
        return x == null ? null : x.dup();
    }
}
