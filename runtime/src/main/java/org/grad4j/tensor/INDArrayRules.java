package org.grad4j.tensor;

import static org.grad4j.tensor.Tensors.dims;
import static org.grad4j.tensor.Tensors.dot;
import static org.grad4j.tensor.Tensors.expand;
import static org.grad4j.tensor.Tensors.fit;
import static org.grad4j.tensor.Tensors.like;

import org.grad4j.rules.Adjoint;
import org.grad4j.rules.RulesFor;
import org.grad4j.rules.ZeroDerivative;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.NewAxis;
import org.nd4j.linalg.indexing.PointIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reverse rules of the out-of-place {@code INDArray} methods that models use (DESIGN §7).
 * Each adjoint takes the receiver {@code x} first, then the method's arguments, its result and
 * the result's adjoint {@code d}; {@code @Adjoint(arg = 0)} is the receiver's adjoint.
 *
 * <p>Conventions:
 * <ul>
 *   <li>Element-wise operations with another tensor broadcast numpy-style (ND4J does); each
 *       operand's adjoint is summed back over the dimensions it was stretched along.</li>
 *   <li>A {@code Number} operand (a boxed {@code double}) gets a {@code double} adjoint.</li>
 *   <li>{@code max}/{@code min} over dimensions give each slice's adjoint to its first extremum
 *       ({@code c} order over the reduced dimensions), like {@code Math.max}'s ties.</li>
 *   <li>{@code norm2}, {@code std}, {@code distance2} at 0 have adjoint 0; {@code norm1},
 *       {@code distance1} use {@code sign(0) = 0}.</li>
 *   <li>{@code var}/{@code std} without a flag are bias-corrected (divide by {@code N - 1}), as
 *       ND4J computes them.</li>
 *   <li>Index reads ({@code get}, {@code getRow}, {@code getDouble}, …) add the adjoint into the
 *       part they read of one buffer per array, zeros shaped and ordered like the receiver
 *       ({@link Adjoint#into}, {@link ReadAdjoints}); {@code getRows}/{@code getColumns} accumulate
 *       repeated indices.</li>
 * </ul>
 * Results of comparisons, {@code argMax}, {@code like()}, {@code shape()} and {@code dataType()}
 * carry no derivative ({@link ZeroDerivative}). Methods that write into an argument
 * ({@code addi}, {@code mul(other, result)}, …) have no rule on purpose.
 */
@RulesFor(value = "org/nd4j/linalg/api/ndarray/INDArray", receiver = true)
@ZeroDerivative(name = "like", descriptor = "()Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "ulike", descriptor = "()Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "shape", descriptor = "()[J")
@ZeroDerivative(name = "dataType", descriptor = "()Lorg/nd4j/linalg/api/buffer/DataType;")
@ZeroDerivative(name = "argMax", descriptor = "([I)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "gt", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "gte", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "lt", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "lte", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "eq", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "neq", descriptor = "(Ljava/lang/Number;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "gt", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "lt", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "eq", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "neq", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
public final class INDArrayRules {
    private INDArrayRules() {}

    // ---- matrix product

    /**
     * c = a·b. ND4J also multiplies a matrix by a rank-1 vector ({@code m.mmul(v)}: v a column,
     * c rank 1) and two vectors (a dot product): the rules take a vector a as a row, a vector b as
     * a column, and d shaped as their product, then give each adjoint its argument's shape.
     */
    @Adjoint(of = "mmul", arg = 0)
    public static INDArray mmulLeft(INDArray a, INDArray b, INDArray c, INDArray d) {
        INDArray bm = asColumn(b);
        return fit(Nd4j.gemm(productShaped(d, a, bm), bm, false, true), a);
    }

    @Adjoint(of = "mmul", arg = 1)
    public static INDArray mmulRight(INDArray a, INDArray b, INDArray c, INDArray d) {
        INDArray am = asRow(a);
        return fit(Nd4j.gemm(am, productShaped(d, am, asColumn(b)), true, false), b);
    }

    /** A rank-1 left factor as the row [1, n]; a matrix as it is. */
    private static INDArray asRow(INDArray a) { return a.rank() == 1 ? a.reshape(1, a.length()) : a; }

    /** A rank-1 right factor as the column [n, 1]; a matrix as it is. */
    private static INDArray asColumn(INDArray b) { return b.rank() == 1 ? b.reshape(b.length(), 1) : b; }

    /** d shaped as the product of the (row or column) matrices, in a's dtype. */
    private static INDArray productShaped(INDArray d, INDArray a, INDArray bm) {
        INDArray dd = like(d, a.dataType());
        long rows = a.rank() == 1 ? 1 : a.size(0);
        return dd.rank() == 2 && dd.size(0) == rows ? dd : dd.reshape(rows, bm.size(1));
    }

    @Adjoint(of = "mmul", arg = 0)
    public static INDArray mmulOrderLeft(INDArray a, INDArray b, char order, INDArray c, INDArray d) {
        return mmulLeft(a, b, c, d);
    }

    @Adjoint(of = "mmul", arg = 1)
    public static INDArray mmulOrderRight(INDArray a, INDArray b, char order, INDArray c, INDArray d) {
        return mmulRight(a, b, c, d);
    }

    // ---- element-wise with a tensor (broadcasting)

    @Adjoint(of = "add", arg = 0)
    public static INDArray addX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "add", arg = 1)
    public static INDArray addY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d, y); }

    @Adjoint(of = "sub", arg = 0)
    public static INDArray subX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "sub", arg = 1)
    public static INDArray subY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.neg(), y); }

    @Adjoint(of = "mul", arg = 0)
    public static INDArray mulX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.mul(y), x); }

    @Adjoint(of = "mul", arg = 1)
    public static INDArray mulY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.mul(x), y); }

    @Adjoint(of = "div", arg = 0)
    public static INDArray divX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.div(y), x); }

    /** z = x / y: ∂z/∂y = -z / y. */
    @Adjoint(of = "div", arg = 1)
    public static INDArray divY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.mul(z).div(y).negi(), y); }

    /** z = y - x. */
    @Adjoint(of = "rsub", arg = 0)
    public static INDArray rsubX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.neg(), x); }

    @Adjoint(of = "rsub", arg = 1)
    public static INDArray rsubY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d, y); }

    /** z = y / x: ∂z/∂x = -z / x. */
    @Adjoint(of = "rdiv", arg = 0)
    public static INDArray rdivX(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.mul(z).div(x).negi(), x); }

    @Adjoint(of = "rdiv", arg = 1)
    public static INDArray rdivY(INDArray x, INDArray y, INDArray z, INDArray d) { return fit(d.div(x), y); }

    @Adjoint(of = "neg")
    public static INDArray neg(INDArray x, INDArray z, INDArray d) { return fit(d.neg(), x); }

    // ---- element-wise with a scalar Number

    @Adjoint(of = "add", arg = 0)
    public static INDArray addNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "add", arg = 1)
    public static double addNumberN(INDArray x, Number n, INDArray z, INDArray d) { return Tensors.sum(d); }

    @Adjoint(of = "sub", arg = 0)
    public static INDArray subNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "sub", arg = 1)
    public static double subNumberN(INDArray x, Number n, INDArray z, INDArray d) { return -Tensors.sum(d); }

    @Adjoint(of = "mul", arg = 0)
    public static INDArray mulNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d.mul(n), x); }

    @Adjoint(of = "mul", arg = 1)
    public static double mulNumberN(INDArray x, Number n, INDArray z, INDArray d) { return dot(d, x); }

    @Adjoint(of = "div", arg = 0)
    public static INDArray divNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d.div(n), x); }

    /** z = x / n: ∂z/∂n = -x / n². */
    @Adjoint(of = "div", arg = 1)
    public static double divNumberN(INDArray x, Number n, INDArray z, INDArray d) {
        double v = n.doubleValue();
        return -dot(d, x) / v / v;
    }

    /** z = n - x. */
    @Adjoint(of = "rsub", arg = 0)
    public static INDArray rsubNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d.neg(), x); }

    @Adjoint(of = "rsub", arg = 1)
    public static double rsubNumberN(INDArray x, Number n, INDArray z, INDArray d) { return Tensors.sum(d); }

    /** z = n / x: ∂z/∂x = -z / x, ∂z/∂n = 1 / x. */
    @Adjoint(of = "rdiv", arg = 0)
    public static INDArray rdivNumberX(INDArray x, Number n, INDArray z, INDArray d) { return fit(d.mul(z).div(x).negi(), x); }

    @Adjoint(of = "rdiv", arg = 1)
    public static double rdivNumberN(INDArray x, Number n, INDArray z, INDArray d) { return Tensors.sum(d.div(x)); }

    // ---- row and column vector broadcasting (x is a matrix, v has one entry per column / row)

    /** The adjoint of a row vector: the columns' sums, shaped like v ([n] or [1, n]); a new array, the caller's to update. */
    private static INDArray rows(INDArray g, INDArray v) { return like(g.sum(0).reshape(v.shape()), v.dataType()); }

    /** The adjoint of a column vector: the rows' sums, shaped like v ([m] or [m, 1]); a new array, the caller's to update. */
    private static INDArray columns(INDArray g, INDArray v) { return like(g.sum(1).reshape(v.shape()), v.dataType()); }

    @Adjoint(of = "addRowVector", arg = 0)
    public static INDArray addRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "addRowVector", arg = 1)
    public static INDArray addRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d, v); }

    @Adjoint(of = "addColumnVector", arg = 0)
    public static INDArray addColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "addColumnVector", arg = 1)
    public static INDArray addColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d, v); }

    @Adjoint(of = "subRowVector", arg = 0)
    public static INDArray subRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "subRowVector", arg = 1)
    public static INDArray subRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d, v).negi(); }

    @Adjoint(of = "subColumnVector", arg = 0)
    public static INDArray subColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "subColumnVector", arg = 1)
    public static INDArray subColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d, v).negi(); }

    @Adjoint(of = "mulRowVector", arg = 0)
    public static INDArray mulRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.mulRowVector(v), x); }

    @Adjoint(of = "mulRowVector", arg = 1)
    public static INDArray mulRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d.mul(x), v); }

    @Adjoint(of = "mulColumnVector", arg = 0)
    public static INDArray mulColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.mulColumnVector(v), x); }

    @Adjoint(of = "mulColumnVector", arg = 1)
    public static INDArray mulColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d.mul(x), v); }

    @Adjoint(of = "divRowVector", arg = 0)
    public static INDArray divRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.divRowVector(v), x); }

    /** z = x / v: ∂z/∂v = -z / v. */
    @Adjoint(of = "divRowVector", arg = 1)
    public static INDArray divRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d.mul(z), v).div(v).negi(); }

    @Adjoint(of = "divColumnVector", arg = 0)
    public static INDArray divColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.divColumnVector(v), x); }

    @Adjoint(of = "divColumnVector", arg = 1)
    public static INDArray divColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d.mul(z), v).div(v).negi(); }

    /** z = v - x. */
    @Adjoint(of = "rsubRowVector", arg = 0)
    public static INDArray rsubRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.neg(), x); }

    @Adjoint(of = "rsubRowVector", arg = 1)
    public static INDArray rsubRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d, v); }

    @Adjoint(of = "rsubColumnVector", arg = 0)
    public static INDArray rsubColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.neg(), x); }

    @Adjoint(of = "rsubColumnVector", arg = 1)
    public static INDArray rsubColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d, v); }

    /** z = v / x: ∂z/∂x = -z / x, ∂z/∂v = 1 / x. */
    @Adjoint(of = "rdivRowVector", arg = 0)
    public static INDArray rdivRowVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.mul(z).div(x).negi(), x); }

    @Adjoint(of = "rdivRowVector", arg = 1)
    public static INDArray rdivRowVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return rows(d.div(x), v); }

    @Adjoint(of = "rdivColumnVector", arg = 0)
    public static INDArray rdivColumnVectorX(INDArray x, INDArray v, INDArray z, INDArray d) { return fit(d.mul(z).div(x).negi(), x); }

    @Adjoint(of = "rdivColumnVector", arg = 1)
    public static INDArray rdivColumnVectorV(INDArray x, INDArray v, INDArray z, INDArray d) { return columns(d.div(x), v); }

    @Adjoint(of = "broadcast")
    public static INDArray broadcast(INDArray x, long[] shape, INDArray z, INDArray d) { return fit(d, x); }

    // ---- shape: copies, casts, views

    @Adjoint(of = "dup")
    public static INDArray dup(INDArray x, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "dup")
    public static INDArray dupOrder(INDArray x, char order, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "castTo")
    public static INDArray castTo(INDArray x, DataType type, INDArray z, INDArray d) { return fit(d, x); }

    @Adjoint(of = "transpose")
    public static INDArray transpose(INDArray x, INDArray z, INDArray d) { return fit(d.transpose(), x); }

    @Adjoint(of = "permute")
    public static INDArray permute(INDArray x, int[] axes, INDArray z, INDArray d) {
        int[] inverse = new int[axes.length];
        for (int i = 0; i < axes.length; i++) inverse[axes[i] < 0 ? axes[i] + axes.length : axes[i]] = i;
        return fit(d.permute(inverse), x);
    }

    @Adjoint(of = "swapAxes")
    public static INDArray swapAxes(INDArray x, int a, int b, INDArray z, INDArray d) { return fit(d.swapAxes(a, b), x); }

    /** The adjoint of a reshape in the default order is the reshape back in that order. */
    @Adjoint(of = "reshape")
    public static INDArray reshape(INDArray x, long[] shape, INDArray z, INDArray d) { return fit(d.reshape(x.shape()), x); }

    @Adjoint(of = "reshape")
    public static INDArray reshapeInts(INDArray x, int[] shape, INDArray z, INDArray d) { return fit(d.reshape(x.shape()), x); }

    @Adjoint(of = "reshape")
    public static INDArray reshape2(INDArray x, long rows, long columns, INDArray z, INDArray d) {
        return fit(d.reshape(x.shape()), x);
    }

    @Adjoint(of = "reshape")
    public static INDArray reshapeOrder(INDArray x, char order, long[] shape, INDArray z, INDArray d) {
        return fit(d.reshape(order, x.shape()), x);
    }

    @Adjoint(of = "reshape")
    public static INDArray reshapeOrderInts(INDArray x, char order, int[] shape, INDArray z, INDArray d) {
        return fit(d.reshape(order, x.shape()), x);
    }

    @Adjoint(of = "reshape")
    public static INDArray reshapeOrder2(INDArray x, char order, int rows, int columns, INDArray z, INDArray d) {
        return fit(d.reshape(order, x.shape()), x);
    }

    /** ({@code ravel(char)} has no rule: ND4J 1.0.0-M2.1's own implementation fails, reading the order as a length.) */
    @Adjoint(of = "ravel")
    public static INDArray ravel(INDArray x, INDArray z, INDArray d) { return fit(d.reshape(x.shape()), x); }


    // ---- indexing: add into the buffer of the array's reads

    /*
     * Every read of part of x adds its adjoint into one buffer shaped like x (Adjoint.into, see
     * ReadAdjoints), touching only the part read, instead of returning zeros the size of x with
     * that part set: a loop over the elements or rows of x costs O(size of x) in all, not per read.
     */

    /**
     * Adds {@code d} at the indexed positions. A position picked twice (a repeated index in
     * {@code NDArrayIndex.indices(…)}) gets both contributions; that case is supported for one
     * {@code indices(…)} among {@code all()}/{@code interval(…)} indices.
     */
    @Adjoint(of = "get", into = true)
    public static void get(INDArray x, INDArrayIndex[] indices, INDArray z, INDArray d, INDArray into) {
        int specified = -1;
        boolean repeated = false;
        boolean rankKept = true;
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] instanceof SpecifiedIndex s) {
                repeated |= hasRepeats(s.getIndexes());
                if (specified >= 0) rankKept = false; // two gathers: not the supported case when repeated
                specified = i;
            } else if (indices[i] instanceof PointIndex || indices[i] instanceof NewAxis) {
                rankKept = false;
            }
        }
        if (!repeated) { // get(…) is a copy for indices(…), a view otherwise: read, add, write back either way
            into.put(indices, into.get(indices).add(like(d, into.dataType())));
            return;
        }
        if (!rankKept) {
            throw new UnsupportedOperationException("grad4j: the adjoint of INDArray.get with a repeated index in "
                    + "NDArrayIndex.indices(...) is supported for one indices(...) among all()/interval(...) indices; got "
                    + java.util.Arrays.toString(indices) + ". Gather with getRows/getColumns, or one indices(...) at a time.");
        }
        INDArrayIndex[] whole = indices.clone();
        whole[specified] = NDArrayIndex.all();
        INDArray view = into.get(whole); // all() and intervals only: a view of into
        long[] picks = ((SpecifiedIndex) indices[specified]).getIndexes();
        int[] picked = new int[picks.length];
        for (int i = 0; i < picks.length; i++) picked[i] = (int) picks[i];
        int rank = d.rank();
        int[] perm = new int[rank];
        perm[0] = specified;
        for (int i = 0, p = 1; i < rank; i++) if (i != specified) perm[p++] = i;
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        INDArray front = like(d, x.dataType()).permute(perm).dup('c').reshape('c', picks.length, d.length() / picks.length);
        INDArray scattered = Nd4j.gemm(selection(x.size(specified), picked, x.dataType()), front, false, false);
        long[] viewShape = view.shape();
        long[] permuted = new long[rank];
        for (int i = 0; i < rank; i++) permuted[i] = viewShape[perm[i]];
        view.addi(scattered.reshape('c', permuted).permute(inverse));
    }

    private static boolean hasRepeats(long[] indices) {
        long[] sorted = indices.clone();
        java.util.Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) if (sorted[i] == sorted[i - 1]) return true;
        return false;
    }

    @Adjoint(of = "getRow", into = true)
    public static void getRow(INDArray x, long i, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getRow(i), d);
    }

    @Adjoint(of = "getRow", into = true)
    public static void getRowKeep(INDArray x, long i, boolean keep, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getRow(i, keep), d);
    }

    @Adjoint(of = "getColumn", into = true)
    public static void getColumn(INDArray x, long j, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getColumn(j), d);
    }

    @Adjoint(of = "getColumn", into = true)
    public static void getColumnKeep(INDArray x, long j, boolean keep, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getColumn(j, keep), d);
    }

    /** A [n, k] matrix with a 1 at (indices[c], c): a gather as a product, so repeated indices add up. */
    private static INDArray selection(long n, int[] indices, DataType type) {
        INDArray iota = Nd4j.linspace(0.0, n - 1, n, DataType.DOUBLE).reshape(n, 1);
        INDArray picked = Nd4j.createFromArray(indices).castTo(DataType.DOUBLE).reshape(1, indices.length);
        return iota.sub(picked).eq(0).castTo(type);
    }

    /** x.getRows(r) = Sᵀ·x with S = selection(rows, r): the adjoint is S·d. */
    @Adjoint(of = "getRows")
    public static INDArray getRows(INDArray x, int[] rows, INDArray z, INDArray d) {
        return fit(Nd4j.gemm(selection(x.rows(), rows, x.dataType()), like(d, x.dataType()), false, false), x);
    }

    /** x.getColumns(c) = x·S with S = selection(columns, c): the adjoint is d·Sᵀ. */
    @Adjoint(of = "getColumns")
    public static INDArray getColumns(INDArray x, int[] columns, INDArray z, INDArray d) {
        return fit(Nd4j.gemm(like(d, x.dataType()), selection(x.columns(), columns, x.dataType()), false, true), x);
    }

    @Adjoint(of = "slice", into = true)
    public static void slice(INDArray x, long i, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.slice(i), d);
    }

    @Adjoint(of = "slice", into = true)
    public static void sliceAlong(INDArray x, long i, int dimension, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.slice(i, dimension), d);
    }

    @Adjoint(of = "getScalar", into = true)
    public static void getScalar(INDArray x, long i, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getScalar(i), d);
    }

    @Adjoint(of = "getScalar", into = true)
    public static void getScalar2(INDArray x, long i, long j, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getScalar(i, j), d);
    }

    @Adjoint(of = "getScalar", into = true)
    public static void getScalarAt(INDArray x, long[] index, INDArray z, INDArray d, INDArray into) {
        Tensors.addInto(into.getScalar(index), d);
    }

    @Adjoint(of = "getNumber", into = true)
    public static void getNumber(INDArray x, long i, Number v, double d, INDArray into) {
        into.putScalar(i, into.getDouble(i) + d);
    }

    @Adjoint(of = "getNumber", into = true)
    public static void getNumberAt(INDArray x, long[] index, Number v, double d, INDArray into) {
        into.putScalar(index, into.getDouble(index) + d);
    }

    @Adjoint(of = "getDouble", into = true)
    public static void getDouble(INDArray x, long i, double v, double d, INDArray into) {
        into.putScalar(i, into.getDouble(i) + d);
    }

    @Adjoint(of = "getDouble", into = true)
    public static void getDouble2(INDArray x, long i, long j, double v, double d, INDArray into) {
        into.putScalar(i, j, into.getDouble(i, j) + d);
    }

    @Adjoint(of = "getDouble", into = true)
    public static void getDoubleAt(INDArray x, long[] index, double v, double d, INDArray into) {
        into.putScalar(index, into.getDouble(index) + d);
    }

    @Adjoint(of = "getDouble", into = true)
    public static void getDoubleAtInts(INDArray x, int[] index, double v, double d, INDArray into) {
        into.putScalar(index, into.getDouble(index) + d);
    }

    @Adjoint(of = "getFloat", into = true)
    public static void getFloat(INDArray x, long i, float v, double d, INDArray into) {
        into.putScalar(i, into.getDouble(i) + d);
    }

    @Adjoint(of = "getFloat", into = true)
    public static void getFloat2(INDArray x, long i, long j, float v, double d, INDArray into) {
        into.putScalar(i, j, into.getDouble(i, j) + d);
    }

    @Adjoint(of = "getFloat", into = true)
    public static void getFloatAt(INDArray x, long[] index, float v, double d, INDArray into) {
        into.putScalar(index, into.getDouble(index) + d);
    }

    @Adjoint(of = "getFloat", into = true)
    public static void getFloatAtInts(INDArray x, int[] index, float v, double d, INDArray into) {
        into.putScalar(index, into.getDouble(index) + d);
    }

    // ---- reductions over dimensions

    @Adjoint(of = "sum")
    public static INDArray sum(INDArray x, int[] dims, INDArray z, INDArray d) { return expand(d, x, dims(x, dims)); }

    @Adjoint(of = "sum")
    public static INDArray sumKeep(INDArray x, boolean keep, int[] dims, INDArray z, INDArray d) { return expand(d, x, dims(x, dims)); }

    @Adjoint(of = "mean")
    public static INDArray mean(INDArray x, int[] dims, INDArray z, INDArray d) {
        int[] r = dims(x, dims);
        return expand(d, x, r).div(Tensors.count(x, r));
    }

    @Adjoint(of = "mean")
    public static INDArray meanKeep(INDArray x, boolean keep, int[] dims, INDArray z, INDArray d) { return mean(x, dims, z, d); }

    @Adjoint(of = "max")
    public static INDArray max(INDArray x, int[] dims, INDArray z, INDArray d) {
        return Tensors.extremumAdjoint(x, dims(x, dims), d, true);
    }

    @Adjoint(of = "max")
    public static INDArray maxKeep(INDArray x, boolean keep, int[] dims, INDArray z, INDArray d) { return max(x, dims, z, d); }

    @Adjoint(of = "min")
    public static INDArray min(INDArray x, int[] dims, INDArray z, INDArray d) {
        return Tensors.extremumAdjoint(x, dims(x, dims), d, false);
    }

    @Adjoint(of = "min")
    public static INDArray minKeep(INDArray x, boolean keep, int[] dims, INDArray z, INDArray d) { return min(x, dims, z, d); }

    /** normmax = max |x| over dims: the slice's adjoint goes to its first largest |x|, with x's sign. */
    @Adjoint(of = "normmax")
    public static INDArray normmax(INDArray x, int[] dims, INDArray z, INDArray d) {
        return Tensors.extremumAdjoint(Transforms.abs(x), dims(x, dims), d, true).muli(Transforms.sign(x));
    }

    @Adjoint(of = "normmax")
    public static INDArray normmaxKeep(INDArray x, boolean keep, int[] dims, INDArray z, INDArray d) { return normmax(x, dims, z, d); }

    /**
     * amax is ND4J's other name for normmax, except that in some reductions over a dimension of
     * size 1 it returns x itself, sign and all (1.0.0-M2.1: {@code [[1, -5]].amax(0)} is
     * {@code [1, -5]}, but {@code [-7].amax(0)} is {@code 7}). A negative result can only be
     * such a copy of x, whose adjoint is d; where x ≥ 0 the two rules agree.
     */
    @Adjoint(of = "amax")
    public static INDArray amax(INDArray x, int[] dims, INDArray z, INDArray d) {
        if (z.length() > 0 && z.minNumber().doubleValue() < 0) return fit(d, x);
        return normmax(x, dims, z, d);
    }

    // ---- cumulative sums and repetition

    /**
     * y_i = Σ_{j ≤ i} x_j along dim, so x_j's adjoint is Σ_{i ≥ j} d_i: the cumulative sum taken
     * from the end, Σ d - cumsum(d) + d (the slice's total broadcast back along dim).
     */
    @Adjoint(of = "cumsum")
    public static INDArray cumsum(INDArray x, int dim, INDArray y, INDArray d) {
        int axis = dims(x, new int[] {dim})[0];
        INDArray dd = like(d, x.dataType());
        return dd.sum(true, axis).sub(dd.cumsum(axis)).addi(dd);
    }

    /**
     * repeat(dim, r) repeats each element r times in a row along dim ({@code [a, a, b, b]}); with
     * one count per element, element k takes the next repeats[k] places. Its adjoint sums each
     * element's places.
     */
    @Adjoint(of = "repeat")
    public static INDArray repeat(INDArray x, int dim, long[] repeats, INDArray y, INDArray d) {
        int axis = dims(x, new int[] {dim})[0];
        INDArray dd = like(d, x.dataType());
        long n = x.size(axis);
        if (repeats.length == 1) { // split dim into (n, r) in c order and sum the r copies
            long[] shape = new long[x.rank() + 1];
            for (int i = 0, j = 0; i < x.rank(); i++) {
                shape[j++] = i == axis ? n : x.size(i);
                if (i == axis) shape[j++] = repeats[0];
            }
            return fit(dd.dup('c').reshape('c', shape).sum(axis + 1), x);
        }
        INDArray g = Tensors.zeros(x);
        INDArrayIndex[] from = new INDArrayIndex[x.rank()], to = new INDArrayIndex[x.rank()];
        java.util.Arrays.fill(from, NDArrayIndex.all());
        java.util.Arrays.fill(to, NDArrayIndex.all());
        long start = 0;
        for (int k = 0; k < n; k++) {
            from[axis] = NDArrayIndex.interval(start, start + repeats[k]);
            to[axis] = NDArrayIndex.interval(k, k + 1);
            start += repeats[k];
            if (repeats[k] > 0) g.get(to).addi(dd.get(from).sum(true, axis));
        }
        return g;
    }

    /** ∂‖x‖/∂x = x / ‖x‖, and 0 where the norm is 0. */
    @Adjoint(of = "norm2")
    public static INDArray norm2(INDArray x, int[] dims, INDArray n, INDArray d) {
        int[] r = dims(x, dims);
        INDArray safe = n.add(n.eq(0).castTo(n.dataType()));
        return expand(d.div(safe), x, r).mul(x);
    }

    @Adjoint(of = "norm2")
    public static INDArray norm2Keep(INDArray x, boolean keep, int[] dims, INDArray n, INDArray d) { return norm2(x, dims, n, d); }

    @Adjoint(of = "norm1")
    public static INDArray norm1(INDArray x, int[] dims, INDArray n, INDArray d) {
        return Transforms.sign(x).mul(expand(d, x, dims(x, dims)));
    }

    @Adjoint(of = "norm1")
    public static INDArray norm1Keep(INDArray x, boolean keep, int[] dims, INDArray n, INDArray d) { return norm1(x, dims, n, d); }

    /** var = Σ(x - mean)² / (N - c): ∂/∂x = 2 (x - mean) / (N - c). */
    private static INDArray variance(INDArray x, boolean biasCorrected, int[] dims, INDArray d) {
        int[] r = dims(x, dims);
        long n = Tensors.count(x, r);
        if (n - (biasCorrected ? 1 : 0) <= 0) return Tensors.zeros(x); // one element per slice: the variance is constant 0
        INDArray centred = x.sub(x.mean(true, r));
        return expand(d, x, r).mul(centred).muli(2.0 / (biasCorrected ? n - 1 : n));
    }

    @Adjoint(of = "var")
    public static INDArray var(INDArray x, int[] dims, INDArray v, INDArray d) { return variance(x, true, dims, d); }

    @Adjoint(of = "var")
    public static INDArray varBias(INDArray x, boolean biasCorrected, int[] dims, INDArray v, INDArray d) {
        return variance(x, biasCorrected, dims, d);
    }

    /** std = √var: ∂/∂x = (x - mean) / ((N - c) std), and 0 where std is 0. */
    private static INDArray deviation(INDArray x, boolean biasCorrected, int[] dims, INDArray s, INDArray d) {
        int[] r = dims(x, dims);
        INDArray safe = s.add(s.eq(0).castTo(s.dataType()));
        return variance(x, biasCorrected, r, d.div(safe)).muli(0.5);
    }

    @Adjoint(of = "std")
    public static INDArray std(INDArray x, int[] dims, INDArray s, INDArray d) { return deviation(x, true, dims, s, d); }

    @Adjoint(of = "std")
    public static INDArray stdBias(INDArray x, boolean biasCorrected, int[] dims, INDArray s, INDArray d) {
        return deviation(x, biasCorrected, dims, s, d);
    }

    @Adjoint(of = "std")
    public static INDArray stdBiasKeep(INDArray x, boolean biasCorrected, boolean keep, int[] dims, INDArray s, INDArray d) {
        return deviation(x, biasCorrected, dims, s, d);
    }

    // ---- reductions to a Number (its adjoint is a double)

    @Adjoint(of = "sumNumber")
    public static INDArray sumNumber(INDArray x, Number s, double d) { return Tensors.filled(x, d); }

    @Adjoint(of = "meanNumber")
    public static INDArray meanNumber(INDArray x, Number m, double d) { return Tensors.filled(x, d / x.length()); }

    @Adjoint(of = "maxNumber")
    public static INDArray maxNumber(INDArray x, Number m, double d) {
        return Tensors.firstExtremum(x, Tensors.all(x.rank()), true).muli(d);
    }

    @Adjoint(of = "minNumber")
    public static INDArray minNumber(INDArray x, Number m, double d) {
        return Tensors.firstExtremum(x, Tensors.all(x.rank()), false).muli(d);
    }

    @Adjoint(of = "normmaxNumber")
    public static INDArray normmaxNumber(INDArray x, Number m, double d) {
        return Tensors.firstExtremum(Transforms.abs(x), Tensors.all(x.rank()), true).muli(Transforms.sign(x)).muli(d);
    }

    @Adjoint(of = "amaxNumber")
    public static INDArray amaxNumber(INDArray x, Number m, double d) { return normmaxNumber(x, m, d); }

    @Adjoint(of = "norm2Number")
    public static INDArray norm2Number(INDArray x, Number n, double d) {
        double norm = n.doubleValue();
        return norm == 0 ? Tensors.zeros(x) : x.mul(d / norm);
    }

    @Adjoint(of = "norm1Number")
    public static INDArray norm1Number(INDArray x, Number n, double d) { return Transforms.sign(x).muli(d); }

    @Adjoint(of = "varNumber")
    public static INDArray varNumber(INDArray x, Number v, double d) {
        if (x.length() < 2) return Tensors.zeros(x);
        return x.sub(x.meanNumber()).muli(2 * d / (x.length() - 1));
    }

    @Adjoint(of = "stdNumber")
    public static INDArray stdNumber(INDArray x, Number s, double d) {
        double std = s.doubleValue();
        return std == 0 || x.length() < 2 ? Tensors.zeros(x) : x.sub(x.meanNumber()).muli(d / std / (x.length() - 1));
    }

    // ---- distances to another tensor (double results)

    @Adjoint(of = "squaredDistance", arg = 0)
    public static INDArray squaredDistanceX(INDArray x, INDArray y, double v, double d) { return fit(x.sub(y).muli(2 * d), x); }

    @Adjoint(of = "squaredDistance", arg = 1)
    public static INDArray squaredDistanceY(INDArray x, INDArray y, double v, double d) { return fit(x.sub(y).muli(-2 * d), y); }

    @Adjoint(of = "distance2", arg = 0)
    public static INDArray distance2X(INDArray x, INDArray y, double v, double d) {
        return v == 0 ? Tensors.zeros(x) : fit(x.sub(y).muli(d / v), x);
    }

    @Adjoint(of = "distance2", arg = 1)
    public static INDArray distance2Y(INDArray x, INDArray y, double v, double d) {
        return v == 0 ? Tensors.zeros(y) : fit(x.sub(y).muli(-d / v), y);
    }

    @Adjoint(of = "distance1", arg = 0)
    public static INDArray distance1X(INDArray x, INDArray y, double v, double d) { return fit(Transforms.sign(x.sub(y)).muli(d), x); }

    @Adjoint(of = "distance1", arg = 1)
    public static INDArray distance1Y(INDArray x, INDArray y, double v, double d) { return fit(Transforms.sign(x.sub(y)).muli(-d), y); }
}
