package org.grad4j.tensor;

import static org.grad4j.tensor.Tensors.fit;

import org.grad4j.rules.Adjoint;
import org.grad4j.rules.RulesFor;
import org.grad4j.rules.ZeroDerivative;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reverse rules of the {@code Nd4j} factory functions that models use: scalars back to tensors
 * (the adjoint of the {@code double} is the sum of the tensor adjoint), matrix products with
 * transpose flags, concatenation and stacking, and the static reductions.
 *
 * <p>Concatenation takes an {@code INDArray...} argument: its adjoint is an {@code INDArray[]}
 * of the same length, element {@code i} the adjoint of the {@code i}-th tensor (a view of the
 * result's adjoint, never modified). Generated code adds element {@code i} into the shadow of
 * the array's element {@code i}.
 */
@RulesFor("org/nd4j/linalg/factory/Nd4j")
@ZeroDerivative(name = "zerosLike", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "onesLike", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "argMax", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;[I)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "argMin", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;[I)Lorg/nd4j/linalg/api/ndarray/INDArray;")
public final class Nd4jRules {
    private Nd4jRules() {}

    // ---- scalars to tensors

    @Adjoint(of = "scalar")
    public static double scalar(double v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "scalar")
    public static double scalarFloat(float v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "scalar")
    public static double scalarNumber(Number v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "scalar", arg = 1)
    public static double scalarTyped(DataType type, Number v, INDArray y, INDArray d) { return Tensors.sum(d); }

    // ---- matrix products

    /** c = op(a)·op(b), op a transpose where the flag says so. */
    @Adjoint(of = "gemm", arg = 0)
    public static INDArray gemmA(INDArray a, INDArray b, boolean ta, boolean tb, INDArray c, INDArray d) {
        INDArray dc = Tensors.like(d, a.dataType());
        return fit(ta ? Nd4j.gemm(b, dc, tb, true) : Nd4j.gemm(dc, b, false, !tb), a);
    }

    @Adjoint(of = "gemm", arg = 1)
    public static INDArray gemmB(INDArray a, INDArray b, boolean ta, boolean tb, INDArray c, INDArray d) {
        INDArray dc = Tensors.like(d, a.dataType());
        return fit(tb ? Nd4j.gemm(dc, a, true, ta) : Nd4j.gemm(a, dc, !ta, false), b);
    }

    /** Matrix product of the last two dimensions, batched (and broadcast) over the leading ones. */
    @Adjoint(of = "matmul", arg = 0)
    public static INDArray matmulA(INDArray a, INDArray b, INDArray c, INDArray d) {
        return fit(Nd4j.matmul(Tensors.like(d, a.dataType()), b, false, true, false), a);
    }

    @Adjoint(of = "matmul", arg = 1)
    public static INDArray matmulB(INDArray a, INDArray b, INDArray c, INDArray d) {
        return fit(Nd4j.matmul(a, Tensors.like(d, a.dataType()), true, false, false), b);
    }

    /**
     * c = op(op(a)·op(b)), each op a transpose of the last two dimensions where its flag says so
     * (attention's {@code matmul(q, k, false, true, false)}): with p = op(a)·op(b) and dp the
     * adjoint of p (d, transposed back when the result was), op(a) gets dp·op(b)ᵀ and op(b) gets
     * op(a)ᵀ·dp; a transposed argument gets the transpose of its op's adjoint.
     */
    @Adjoint(of = "matmul", arg = 0)
    public static INDArray matmulTA(INDArray a, INDArray b, boolean ta, boolean tb, boolean tc, INDArray c, INDArray d) {
        INDArray dp = productAdjoint(d, tc, a);
        return fit(ta ? Nd4j.matmul(b, dp, tb, true, false) : Nd4j.matmul(dp, b, false, !tb, false), a);
    }

    @Adjoint(of = "matmul", arg = 1)
    public static INDArray matmulTB(INDArray a, INDArray b, boolean ta, boolean tb, boolean tc, INDArray c, INDArray d) {
        INDArray dp = productAdjoint(d, tc, a);
        return fit(tb ? Nd4j.matmul(dp, a, true, ta, false) : Nd4j.matmul(a, dp, !ta, false, false), b);
    }

    /** The adjoint of the product before the result's transpose, in a's dtype. */
    private static INDArray productAdjoint(INDArray d, boolean tc, INDArray a) {
        INDArray dd = Tensors.like(d, a.dataType());
        return tc ? dd.swapAxes(dd.rank() - 2, dd.rank() - 1).dup('c') : dd;
    }

    // ---- shape

    @Adjoint(of = "expandDims")
    public static INDArray expandDims(INDArray x, int axis, INDArray y, INDArray d) { return fit(d, x); }

    @Adjoint(of = "squeeze")
    public static INDArray squeeze(INDArray x, int axis, INDArray y, INDArray d) { return fit(d, x); }

    /** The pieces of {@code d} along {@code dim}, one per input, as views. */
    private static INDArray[] split(INDArray d, int dim, INDArray[] xs) {
        int rank = d.rank();
        int axis = dim < 0 ? dim + rank : dim;
        INDArray[] out = new INDArray[xs.length];
        long offset = 0;
        for (int k = 0; k < xs.length; k++) {
            long size = xs[k].rank() == rank ? xs[k].size(axis) : 1;
            INDArrayIndex[] at = new INDArrayIndex[rank];
            for (int i = 0; i < rank; i++) at[i] = i == axis ? NDArrayIndex.interval(offset, offset + size) : NDArrayIndex.all();
            out[k] = fit(d.get(at), xs[k]);
            offset += size;
        }
        return out;
    }

    @Adjoint(of = "concat", arg = 1)
    public static INDArray[] concat(int dim, INDArray[] xs, INDArray y, INDArray d) { return split(d, dim, xs); }

    /** vstack concatenates along dimension 0; vectors become rows. */
    @Adjoint(of = "vstack")
    public static INDArray[] vstack(INDArray[] xs, INDArray y, INDArray d) { return split(d, 0, xs); }

    /** hstack concatenates along dimension 1 (dimension 0 for vectors). */
    @Adjoint(of = "hstack")
    public static INDArray[] hstack(INDArray[] xs, INDArray y, INDArray d) {
        return split(d, xs.length > 0 && xs[0].rank() == 1 ? 0 : 1, xs);
    }

    /** stack adds a new dimension {@code dim}: the adjoint of input k is the k-th slice along it. */
    @Adjoint(of = "stack", arg = 1)
    public static INDArray[] stack(int dim, INDArray[] xs, INDArray y, INDArray d) {
        int rank = d.rank();
        int axis = dim < 0 ? dim + rank : dim;
        INDArray[] out = new INDArray[xs.length];
        for (int k = 0; k < xs.length; k++) {
            INDArrayIndex[] at = new INDArrayIndex[rank];
            for (int i = 0; i < rank; i++) at[i] = i == axis ? NDArrayIndex.point(k) : NDArrayIndex.all();
            out[k] = fit(d.get(at), xs[k]);
        }
        return out;
    }

    // ---- static reductions

    @Adjoint(of = "sum")
    public static INDArray sum(INDArray x, INDArray y, INDArray d) { return INDArrayRules.sum(x, new int[0], y, d); }

    @Adjoint(of = "sum")
    public static INDArray sumDim(INDArray x, int dim, INDArray y, INDArray d) { return INDArrayRules.sum(x, new int[] {dim}, y, d); }

    @Adjoint(of = "mean")
    public static INDArray mean(INDArray x, INDArray y, INDArray d) { return INDArrayRules.mean(x, new int[0], y, d); }

    @Adjoint(of = "mean")
    public static INDArray meanDim(INDArray x, int dim, INDArray y, INDArray d) { return INDArrayRules.mean(x, new int[] {dim}, y, d); }

    @Adjoint(of = "max")
    public static INDArray max(INDArray x, INDArray y, INDArray d) { return INDArrayRules.max(x, new int[0], y, d); }

    @Adjoint(of = "max")
    public static INDArray maxDim(INDArray x, int dim, INDArray y, INDArray d) { return INDArrayRules.max(x, new int[] {dim}, y, d); }

    @Adjoint(of = "min")
    public static INDArray min(INDArray x, INDArray y, INDArray d) { return INDArrayRules.min(x, new int[0], y, d); }

    @Adjoint(of = "min")
    public static INDArray minDim(INDArray x, int dim, INDArray y, INDArray d) { return INDArrayRules.min(x, new int[] {dim}, y, d); }

    /**
     * tile(x, reps), one count per dimension: along dimension i the result holds reps[i] copies of
     * x one after another, so splitting each dimension into (reps[i], n_i) in c order and summing
     * the copies gives x's adjoint.
     */
    @Adjoint(of = "tile")
    public static INDArray tile(INDArray x, int[] reps, INDArray y, INDArray d) {
        int rank = x.rank();
        long[] split = new long[2 * rank];
        int[] copies = new int[rank];
        for (int i = 0; i < rank; i++) {
            split[2 * i] = reps[i];
            split[2 * i + 1] = x.size(i);
            copies[i] = 2 * i;
        }
        return fit(Tensors.like(d, x.dataType()).dup('c').reshape('c', split).sum(copies), x);
    }

    // ---- a tensor filled with one value: the value's adjoint is the sum of the tensor's

    @Adjoint(of = "valueArrayOf", arg = 1)
    public static double valueArrayOf(long[] shape, double v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "valueArrayOf", arg = 1)
    public static double valueArrayOfFloat(long[] shape, float v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "valueArrayOf", arg = 1)
    public static double valueArrayOfInts(int[] shape, double v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "valueArrayOf", arg = 1)
    public static double valueArrayOfTyped(long[] shape, double v, DataType type, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "valueArrayOf", arg = 1)
    public static double valueArrayOfLength(long length, double v, INDArray y, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "valueArrayOf", arg = 2)
    public static double valueArrayOfMatrix(long rows, long columns, double v, INDArray y, INDArray d) { return Tensors.sum(d); }

    // ---- tensors made from a double[] or float[]: the adjoint of element i of the array is the
    // adjoint of element i of the tensor in c order (ND4J copies the array in c order)

    @Adjoint(of = "createFromArray")
    public static double[] createFromArray(double[] v, INDArray y, INDArray d) { return values(v.length, d); }

    @Adjoint(of = "create")
    public static double[] create(double[] v, INDArray y, INDArray d) { return values(v.length, d); }

    @Adjoint(of = "create")
    public static double[] createShaped(double[] v, long[] shape, INDArray y, INDArray d) { return values(v.length, d); }

    @Adjoint(of = "create")
    public static double[] createIntShaped(double[] v, int[] shape, INDArray y, INDArray d) { return values(v.length, d); }

    @Adjoint(of = "createFromArray")
    public static float[] createFromFloats(float[] v, INDArray y, INDArray d) { return floats(values(v.length, d)); }

    @Adjoint(of = "create")
    public static float[] createFloats(float[] v, INDArray y, INDArray d) { return floats(values(v.length, d)); }

    @Adjoint(of = "create")
    public static float[] createFloatsShaped(float[] v, long[] shape, INDArray y, INDArray d) { return floats(values(v.length, d)); }

    @Adjoint(of = "create")
    public static float[] createFloatsIntShaped(float[] v, int[] shape, INDArray y, INDArray d) { return floats(values(v.length, d)); }

    /** The first n elements of d in c order, on the host (the array's adjoint is a Java array). */
    private static double[] values(int n, INDArray d) {
        double[] all = d.castTo(DataType.DOUBLE).dup('c').reshape(d.length()).toDoubleVector();
        return all.length == n ? all : java.util.Arrays.copyOf(all, n);
    }

    private static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }
}
