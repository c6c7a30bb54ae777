package org.grad4j.tensor;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Whether two tensors read memory in common. ND4J's views ({@code reshape}, {@code get},
 * {@code getRow}, {@code transpose}, {@code ravel} of a contiguous array) each have a buffer of
 * their own that wraps the original one ({@link DataBuffer#originalDataBuffer()}) at the view's
 * offset; a copy ({@code dup}, {@code castTo}, any operation's result) has a buffer of its own.
 * A view of the tensor a gradient is taken at, reached under another name, is the tensor itself:
 * grad4j takes it as a constant there, and its uses would silently get no derivative.
 */
public final class TensorMemory {
    private TensorMemory() {}

    /**
     * Whether {@code a} and {@code b} are the same tensor, or views of one buffer whose element
     * ranges overlap (conservatively: two views that interleave, the even and the odd elements,
     * count as overlapping). False where either is not a tensor or is empty.
     */
    public static boolean overlap(Object a, Object b) {
        if (a == b) return a != null;
        if (!(a instanceof INDArray x) || !(b instanceof INDArray y) || x.isEmpty() || y.isEmpty()) return false;
        DataBuffer root = root(x.data());
        if (root == null || root != root(y.data())) return false;
        return x.offset() <= last(y) && y.offset() <= last(x);
    }

    private static DataBuffer root(DataBuffer buffer) {
        if (buffer == null) return null;
        DataBuffer original = buffer.originalDataBuffer();
        return original != null ? original : buffer;
    }

    /** The last element of the root buffer the view can read: its offset plus the farthest step along each dimension. */
    private static long last(INDArray v) {
        long[] shape = v.shape();
        long[] stride = v.stride();
        long last = v.offset();
        for (int i = 0; i < shape.length; i++) last += (shape[i] - 1) * Math.abs(stride[i]);
        return last;
    }
}
