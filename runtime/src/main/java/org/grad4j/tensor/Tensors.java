package org.grad4j.tensor;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MaxBp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MinBp;
import org.nd4j.linalg.api.ops.impl.transforms.any.IsMax;
import org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Shape and dtype plumbing shared by the tensor rules. Everything here but {@link #addInto} (into a
 * read buffer, see {@link ReadAdjoints}) is out of place and
 * uses ND4J operations only (no element loops, no {@code data()} reads), so that the rules run
 * unchanged on a device backend. Nothing returned here is ever modified afterwards by a rule
 * unless the rule allocated it itself.
 */
final class Tensors {
    private Tensors() {}

    /**
     * The adjoint {@code g} of a value computed from {@code x} by broadcasting (numpy rules: shapes
     * aligned at the right, size-1 dimensions stretched), turned into an adjoint of {@code x}: summed
     * over the broadcast dimensions, reshaped to {@code x}'s shape and cast to {@code x}'s dtype.
     * Returns {@code g} itself when it already fits.
     */
    static INDArray fit(INDArray g, INDArray x) {
        long[] gs = g.shape();
        long[] xs = x.shape();
        if (!Arrays.equals(gs, xs)) {
            if (g.length() == x.length()) {
                g = g.reshape(xs);
            } else {
                int lead = gs.length - xs.length;
                if (lead < 0) {
                    throw new IllegalStateException("grad4j internal error: an adjoint of shape " + Arrays.toString(gs)
                            + " cannot belong to a tensor of shape " + Arrays.toString(xs));
                }
                int[] dims = new int[gs.length];
                int n = 0;
                for (int i = 0; i < gs.length; i++) {
                    if (i < lead || (xs[i - lead] == 1 && gs[i] != 1)) dims[n++] = i;
                }
                if (n > 0) g = g.sum(true, Arrays.copyOf(dims, n));
                g = g.reshape(xs);
            }
        }
        return like(g, x.dataType());
    }

    /** {@code g} in dtype {@code type} (itself when it has it). */
    static INDArray like(INDArray g, DataType type) {
        return g.dataType() == type ? g : g.castTo(type);
    }

    /** Reduction dimensions as ND4J reads them: none (or {@code Integer.MAX_VALUE}) is all; negatives count from the end. Sorted. */
    static int[] dims(INDArray x, int[] dims) {
        int rank = x.rank();
        if (dims == null || dims.length == 0) return all(rank);
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == Integer.MAX_VALUE) return all(rank);
            out[i] = dims[i] < 0 ? dims[i] + rank : dims[i];
        }
        Arrays.sort(out);
        return out;
    }

    static int[] all(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    /** The shape of {@code x} with the reduced dimensions kept as size 1. */
    static long[] keptShape(INDArray x, int[] dims) {
        long[] keep = x.shape().clone();
        for (int d : dims) keep[d] = 1;
        return keep;
    }

    /** The number of elements a reduction over {@code dims} combines. */
    static long count(INDArray x, int[] dims) {
        long n = 1;
        for (int d : dims) n *= x.size(d);
        return n;
    }

    /**
     * The adjoint {@code d} of a reduction of {@code x} over {@code dims} (kept or not), spread
     * back over {@code x}'s shape, in {@code x}'s dtype.
     */
    static INDArray expand(INDArray d, INDArray x, int[] dims) {
        INDArray kept = d.reshape(keptShape(x, dims));
        // zeros plus the kept adjoint, broadcast by the addition: INDArray.broadcast copies column by column
        INDArray spread = Arrays.equals(kept.shape(), x.shape()) ? kept
                : Nd4j.zeros(kept.dataType(), x.shape()).addi(kept);
        return like(spread, x.dataType());
    }

    /**
     * The adjoint of {@code max} ({@code min}) of {@code x} over {@code dims}: {@code d} at the
     * first extremum of each reduced slice, 0 elsewhere, for floating-point tensors by ND4J ops
     * that pick the first extremum too. {@code reduce_max_bp} loops over the slices in native
     * code (~100 µs for a 128×10 tensor); the legacy {@code IsMax} marks each slice's first
     * maximum in one op (~15 µs) and agrees with it on ties unless every dimension is reduced
     * (then {@code IsMax} breaks ties in memory order, not {@code c} order).
     */
    static INDArray extremumAdjoint(INDArray x, int[] dims, INDArray d, boolean max) {
        if (!x.dataType().isFPType()) return firstExtremum(x, dims, max).mul(expand(d, x, dims));
        INDArray kept = like(d, x.dataType()).reshape(keptShape(x, dims));
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        if (max && dims.length < x.rank()) {
            INDArray first = Nd4j.exec(new IsMax(x, out, dims))[0];
            return zeroWhereZero(first, first.mul(kept)); // exactly 0 off the maximum, even for an infinite d
        }
        return Nd4j.exec(max ? new MaxBp(x, kept, out, true, dims) : new MinBp(x, kept, out, true, dims))[0];
    }

    /** A reduction's result (or its adjoint) reshaped to keep the reduced dimensions, so it broadcasts against {@code x}. */
    static INDArray kept(INDArray r, INDArray x, int[] dims) {
        return r.reshape(keptShape(x, dims));
    }

    /** A new tensor shaped and typed like {@code x}, every element {@code value}. */
    static INDArray filled(INDArray x, double value) {
        if (x.rank() == 0) return Nd4j.scalar(x.dataType(), value);
        return Nd4j.valueArrayOf(x.shape(), value, x.dataType());
    }

    /** {@code part += d}, {@code d} in {@code part}'s dtype: {@code part} is a view of a read buffer (see {@link ReadAdjoints}). */
    static void addInto(INDArray part, INDArray d) {
        part.addi(like(d, part.dataType()));
    }

    /** New zeros shaped, typed and ordered like {@code x} (element order matters to linear indices). */
    static INDArray zeros(INDArray x) {
        if (x.rank() == 0) return Nd4j.scalar(x.dataType(), 0.0);
        return Nd4j.create(x.dataType(), x.shape(), x.ordering());
    }

    /** 1 where the condition holds, else 0, in dtype {@code type}. */
    static INDArray indicator(INDArray condition, DataType type) {
        return condition.castTo(type);
    }

    /**
     * {@code d ⊙ derivative}, but exactly 0 where {@code d} is 0 even if the derivative is
     * infinite there (sqrt and log at 0, …): a value that does not reach the output must not
     * poison the gradient with {@code 0·∞ = NaN} (as {@code MathRules.scale}).
     */
    static INDArray scale(INDArray d, INDArray derivative) {
        return zeroWhereZero(d, d.mul(derivative));
    }

    /** {@code d / divisor}, but exactly 0 where {@code d} is 0 even if the divisor is 0 there (as {@link #scale}). */
    static INDArray quotient(INDArray d, INDArray divisor) {
        return zeroWhereZero(d, d.div(divisor));
    }

    /**
     * {@code product} (a new array computed from {@code d}) with 0 wherever {@code d} is 0. When
     * they match in shape and dtype, one legacy op in place ({@code CompareAndSet} takes
     * {@code d}'s element where it is exactly 0: {@code absEquals}, since {@code equals} compares
     * within an epsilon); otherwise {@code putWhereWithMask}, which costs a mask, a copy and a
     * custom op (~6× the time for a small tensor).
     */
    private static INDArray zeroWhereZero(INDArray d, INDArray product) {
        if (product.dataType() != d.dataType() || !Arrays.equals(product.shape(), d.shape())) {
            return product.putWhereWithMask(d.eq(0), 0.0);
        }
        Nd4j.getExecutioner().exec(new CompareAndSet(product, d, product, Conditions.absEquals(0.0)));
        return product;
    }

    /** Σ (a ⊙ b) as a double. */
    static double dot(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue();
    }

    /** Σ a as a double. */
    static double sum(INDArray a) {
        return a.sumNumber().doubleValue();
    }

    /**
     * A one-hot mask over {@code x} (dtype of {@code x}) marking, in each slice reduced over
     * {@code dims}, the first position (in {@code c} order over the reduced dimensions) of its
     * maximum ({@code max}) or minimum.
     */
    static INDArray firstExtremum(INDArray x, int[] dims, boolean max) {
        int rank = x.rank();
        if (rank == 0) return filled(x, 1.0);
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int[] perm = new int[rank];
        int p = 0;
        long rows = 1, cols = 1;
        for (int i = 0; i < rank; i++) {
            if (!reduced[i]) {
                perm[p++] = i;
                rows *= x.size(i);
            }
        }
        for (int d : dims) {
            perm[p++] = d;
            cols *= x.size(d);
        }
        boolean identity = true;
        for (int i = 0; i < rank; i++) identity &= perm[i] == i;
        INDArray permuted = identity ? x : x.permute(perm);
        INDArray matrix = permuted.dup('c').reshape('c', rows, cols);
        INDArray index = max ? Nd4j.argMax(matrix, 1) : Nd4j.argMin(matrix, 1);
        INDArray iota = Nd4j.linspace(0.0, cols - 1, cols, DataType.DOUBLE).reshape(1, cols);
        INDArray hits = iota.sub(index.castTo(DataType.DOUBLE).reshape(rows, 1)).eq(0).castTo(x.dataType());
        INDArray back = hits.reshape('c', permuted.shape());
        if (identity) return back;
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        return back.permute(inverse);
    }
}
