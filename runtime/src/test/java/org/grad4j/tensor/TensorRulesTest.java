package org.grad4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.grad4j.rules.Rule;
import org.grad4j.rules.RuleTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Checks every tensor rule in the global table (INDArray methods, Transforms, Nd4j, boxing)
 * against central finite differences of the primitive itself: for a random weight {@code W}
 * shaped like the result, the adjoint of each argument for {@code dResult = W} must equal the
 * element-wise finite differences of {@code Σ W ⊙ f(args)} (float64, random small inputs).
 * Each case runs again in float32, where every tensor adjoint must be FLOAT, shaped like its
 * argument, and close to the float64 adjoint. Adjoints must leave arguments, result and
 * {@code dResult} unchanged. A rule without a domain here fails: adding a rule means adding
 * its domain; a domain without a rule fails too.
 */
class TensorRulesTest {
    private static final long SEED = 20250117L;
    private static final Set<String> OWNERS = Set.of("org/nd4j/linalg/api/ndarray/INDArray",
            "org/nd4j/linalg/ops/transforms/Transforms", "org/nd4j/linalg/factory/Nd4j",
            "java/lang/Double", "java/lang/Float", "java/lang/Number");

    /** Random inputs, drawn in float64 from a seeded generator. */
    static final class Gen {
        final Random r;

        Gen(long seed) {
            r = new Random(seed);
        }

        INDArray u(double lo, double hi, long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            double[] v = new double[(int) n];
            for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.nextDouble();
            if (shape.length == 0) return Nd4j.scalar(v[0]);
            return Nd4j.create(v, shape, DataType.DOUBLE);
        }

        /** Uniform in (-1, 1). */
        INDArray t(long... shape) {
            return u(-1, 1, shape);
        }

        /** |v| in (gap, m), random signs: away from kinks and poles at 0. */
        INDArray awayBy(double gap, double m, long... shape) {
            INDArray a = u(gap, m, shape);
            INDArray signs = u(-1, 1, shape);
            return a.mul(org.nd4j.linalg.ops.transforms.Transforms.sign(signs));
        }

        INDArray away(long... shape) {
            return awayBy(0.3, 1.5, shape);
        }

        Double n(double lo, double hi) {
            return lo + (hi - lo) * r.nextDouble();
        }
    }

    @FunctionalInterface
    interface Case {
        Object[] args(Gen g);
    }

    /** Cases of one primitive, a tolerance (relative to max(1, |fd|)), the finite-difference step, and whether FD applies to zero rules. */
    record Domain(List<Case> cases, double tolerance, double step, boolean fdForZero) {
        Domain tolerance(double t) { return new Domain(cases, t, step, fdForZero); }
        Domain step(double h) { return new Domain(cases, tolerance, h, fdForZero); }
        Domain noFiniteDifferences() { return new Domain(cases, tolerance, step, false); }
    }

    static final Map<String, Domain> DOMAINS = new LinkedHashMap<>();

    private static Domain on(Case... cases) {
        return new Domain(List.of(cases), 1e-6, 1e-6, true);
    }

    private static void put(Domain d, String... keys) {
        for (String k : keys) {
            if (DOMAINS.put(k, d) != null) throw new IllegalStateException("two domains for " + k);
        }
    }

    private static INDArray f(INDArray a) { return a.dup('f'); }

    private static Object[] a(Object... args) { return args; }

    private static long[] L(long... v) { return v; }

    private static int[] I(int... v) { return v; }

    static {
        // ---- INDArray: products and element-wise arithmetic
        // a rank-1 right factor is a column (m.mmul(v) is rank 1), two vectors a dot product
        put(on(g -> a(g.t(3, 4), g.t(4, 2)), g -> a(g.t(1, 4), g.t(4, 3)), g -> a(g.t(4, 3).transpose(), g.t(4, 2)),
                g -> a(g.t(3, 4), g.t(4)), g -> a(g.t(4), g.t(4))),
                "INDArray.mmul(T)T");
        put(on(g -> a(g.t(3, 4), g.t(4, 2), 'c'), g -> a(g.t(3, 4), g.t(4, 2), 'f')), "INDArray.mmul(TC)T");
        Case[] pairs = {
            g -> a(g.t(3, 4), g.t(3, 4)), g -> a(g.t(3, 4), g.t(1, 4)), g -> a(g.t(3, 4), g.t(4)),
            g -> a(g.t(3, 1), g.t(1, 4)), g -> a(g.t(1, 4), g.t(3, 4)), g -> a(g.t(3, 4), g.t(3, 1)),
            g -> a(g.t(3, 4), g.t()), g -> a(g.t(4, 3).transpose(), g.t(3, 4)),
        };
        put(on(pairs), "INDArray.add(T)T", "INDArray.sub(T)T", "INDArray.mul(T)T", "INDArray.rsub(T)T");
        put(on(g -> a(g.t(3, 4), g.away(3, 4)), g -> a(g.t(3, 4), g.away(1, 4)), g -> a(g.t(3, 4), g.away(4)),
                g -> a(g.t(3, 1), g.away(1, 4)), g -> a(g.t(1, 4), g.away(3, 4)), g -> a(g.t(3, 4), g.away())),
                "INDArray.div(T)T");
        put(on(g -> a(g.away(3, 4), g.t(3, 4)), g -> a(g.away(3, 4), g.t(1, 4)), g -> a(g.away(1, 4), g.t(3, 4)),
                g -> a(g.away(3, 4), g.t(3, 1))), "INDArray.rdiv(T)T");
        put(on(g -> a(g.t(3, 4)), g -> a(g.t(4))), "INDArray.neg()T");
        put(on(g -> a(g.t(3, 4), g.n(-2, 2)), g -> a(g.t(4), g.n(-2, 2))),
                "INDArray.add(N)T", "INDArray.sub(N)T", "INDArray.mul(N)T", "INDArray.rsub(N)T");
        put(on(g -> a(g.t(3, 4), g.n(0.5, 2)), g -> a(g.t(4), -g.n(0.5, 2))), "INDArray.div(N)T");
        put(on(g -> a(g.away(3, 4), g.n(-2, 2))), "INDArray.rdiv(N)T");

        // ---- row / column vectors
        put(on(g -> a(g.t(3, 4), g.t(4)), g -> a(g.t(3, 4), g.t(1, 4))),
                "INDArray.addRowVector(T)T", "INDArray.subRowVector(T)T", "INDArray.mulRowVector(T)T",
                "INDArray.rsubRowVector(T)T");
        put(on(g -> a(g.t(3, 4), g.away(4)), g -> a(g.t(3, 4), g.away(1, 4))), "INDArray.divRowVector(T)T");
        put(on(g -> a(g.away(3, 4), g.t(4)), g -> a(g.away(3, 4), g.t(1, 4))), "INDArray.rdivRowVector(T)T");
        put(on(g -> a(g.t(3, 4), g.t(3)), g -> a(g.t(3, 4), g.t(3, 1))),
                "INDArray.addColumnVector(T)T", "INDArray.subColumnVector(T)T", "INDArray.mulColumnVector(T)T",
                "INDArray.rsubColumnVector(T)T");
        put(on(g -> a(g.t(3, 4), g.away(3)), g -> a(g.t(3, 4), g.away(3, 1))), "INDArray.divColumnVector(T)T");
        put(on(g -> a(g.away(3, 4), g.t(3)), g -> a(g.away(3, 4), g.t(3, 1))), "INDArray.rdivColumnVector(T)T");
        put(on(g -> a(g.t(1, 4), L(3, 4)), g -> a(g.t(3, 1), L(3, 4)), g -> a(g.t(4), L(2, 4))), "INDArray.broadcast([J)T");

        // ---- shape
        put(on(g -> a(g.t(3, 4)), g -> a(f(g.t(3, 4)))), "INDArray.dup()T", "INDArray.transpose()T", "INDArray.ravel()T");
        put(on(g -> a(g.t(3, 4), 'f'), g -> a(g.t(3, 4), 'c')), "INDArray.dup(C)T");
        put(on(g -> a(g.t(3, 4), DataType.DOUBLE)), "INDArray.castTo(DT)T");
        put(on(g -> a(g.t(2, 3, 4), I(2, 0, 1)), g -> a(g.t(3, 4), I(1, 0))), "INDArray.permute([I)T");
        put(on(g -> a(g.t(2, 3, 4), 0, 2), g -> a(g.t(3, 4), 1, 0)), "INDArray.swapAxes(II)T");
        put(on(g -> a(g.t(3, 4), L(2, 6)), g -> a(f(g.t(3, 4)), L(4, 3)), g -> a(g.t(4, 3).transpose(), L(2, 6)),
                g -> a(g.t(2, 3, 2), L(12))), "INDArray.reshape([J)T");
        put(on(g -> a(g.t(3, 4), I(6, 2))), "INDArray.reshape([I)T");
        put(on(g -> a(g.t(3, 4), 2L, 6L)), "INDArray.reshape(JJ)T");
        put(on(g -> a(g.t(3, 4), 'f', L(2, 6)), g -> a(g.t(3, 4), 'c', L(6, 2))), "INDArray.reshape(C[J)T");
        put(on(g -> a(g.t(3, 4), 'f', I(2, 6))), "INDArray.reshape(C[I)T");
        put(on(g -> a(g.t(3, 4), 'f', 2, 6)), "INDArray.reshape(CII)T");

        // ---- indexing
        put(on(g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.interval(0, 2), NDArrayIndex.point(1)}),
                g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(1, 3)}),
                g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.point(2), NDArrayIndex.all()}),
                g -> a(g.t(2, 3, 4), new INDArrayIndex[] {NDArrayIndex.point(1), NDArrayIndex.interval(0, 2), NDArrayIndex.all()}),
                g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.indices(0, 2), NDArrayIndex.all()}),
                g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.indices(1, 1, 0), NDArrayIndex.all()}),
                g -> a(g.t(2, 3, 4), new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(0, 2), NDArrayIndex.indices(3, 0, 3)}),
                g -> a(g.t(3, 4), new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.indices(3, 0)}),
                g -> a(g.t(4, 5), new INDArrayIndex[] {NDArrayIndex.interval(0, 2, 4), NDArrayIndex.interval(1, 4)})),
                "INDArray.get([Idx)T");
        put(on(g -> a(g.t(3, 4), 1L)), "INDArray.getRow(J)T", "INDArray.getColumn(J)T");
        put(on(g -> a(g.t(3, 4), 2L, true), g -> a(g.t(3, 4), 0L, false)), "INDArray.getRow(JZ)T", "INDArray.getColumn(JZ)T");
        put(on(g -> a(g.t(4, 3), I(0, 2, 2)), g -> a(g.t(4, 3), I(3))), "INDArray.getRows([I)T");
        put(on(g -> a(g.t(3, 4), I(3, 1, 3)), g -> a(g.t(3, 4), I(0))), "INDArray.getColumns([I)T");
        put(on(g -> a(g.t(3, 4), 1L), g -> a(g.t(2, 3, 4), 1L)), "INDArray.slice(J)T");
        put(on(g -> a(g.t(3, 4), 2L, 1), g -> a(g.t(3, 4), 1L, 0), g -> a(g.t(2, 3, 4), 1L, 2)), "INDArray.slice(JI)T");
        put(on(g -> a(g.t(3, 4), 5L), g -> a(g.t(4), 2L), g -> a(f(g.t(3, 4)), 5L), g -> a(g.t(), 0L)),
                "INDArray.getScalar(J)T", "INDArray.getDouble(J)D");
        put(on(g -> a(g.t(3, 4), 1L, 2L)), "INDArray.getScalar(JJ)T", "INDArray.getDouble(JJ)D");
        put(on(g -> a(g.t(3, 4), L(2, 1)), g -> a(g.t(2, 3, 4), L(1, 0, 3))), "INDArray.getScalar([J)T", "INDArray.getDouble([J)D");
        put(on(g -> a(g.t(3, 4), I(2, 1))), "INDArray.getDouble([I)D");
        put(on(g -> a(g.t(3, 4), 5L), g -> a(f(g.t(3, 4)), 5L)), "INDArray.getNumber(J)N");
        put(on(g -> a(g.t(3, 4), L(2, 1)), g -> a(g.t(2, 3, 4), L(1, 0, 3))), "INDArray.getNumber([J)N");
        // float results: a float64 step of 1e-6 is below float resolution
        put(on(g -> a(g.t(3, 4), 5L), g -> a(f(g.t(3, 4)), 5L)).step(1e-2).tolerance(1e-4), "INDArray.getFloat(J)F");
        put(on(g -> a(g.t(3, 4), 1L, 2L)).step(1e-2).tolerance(1e-4), "INDArray.getFloat(JJ)F");
        put(on(g -> a(g.t(3, 4), L(2, 1))).step(1e-2).tolerance(1e-4), "INDArray.getFloat([J)F");
        put(on(g -> a(g.t(3, 4), I(2, 1))).step(1e-2).tolerance(1e-4), "INDArray.getFloat([I)F");

        // ---- reductions
        Case[] dims = {
            g -> a(g.t(3, 4), I(0)), g -> a(g.t(3, 4), I(1)), g -> a(g.t(3, 4), I()), g -> a(g.t(2, 3, 4), I(0, 2)),
            g -> a(g.t(3, 4), I(-1)), g -> a(g.t(2, 3, 4), I(1)), g -> a(g.t(1, 4), I(0)),
        };
        put(on(dims), "INDArray.sum([I)T", "INDArray.mean([I)T", "INDArray.max([I)T", "INDArray.min([I)T",
                "INDArray.norm2([I)T", "INDArray.var([I)T", "INDArray.std([I)T");
        Case[] keepDims = {
            g -> a(g.t(3, 4), true, I(1)), g -> a(g.t(3, 4), false, I(0)), g -> a(g.t(2, 3, 4), true, I(0, 2)),
            g -> a(g.t(3, 4), true, I()),
        };
        put(on(keepDims), "INDArray.sum(Z[I)T", "INDArray.mean(Z[I)T", "INDArray.max(Z[I)T", "INDArray.min(Z[I)T",
                "INDArray.norm2(Z[I)T");
        // var/std(boolean biasCorrected, int...)
        put(on(g -> a(g.t(3, 4), true, I(1)), g -> a(g.t(3, 4), false, I(0)), g -> a(g.t(2, 3, 4), false, I(0, 2))),
                "INDArray.var(Z[I)T", "INDArray.std(Z[I)T");
        put(on(g -> a(g.t(3, 4), true, true, I(1)), g -> a(g.t(3, 4), false, false, I(0)),
                g -> a(g.t(3, 4), false, true, I())), "INDArray.std(ZZ[I)T");
        put(on(g -> a(g.away(3, 4), I(0)), g -> a(g.away(3, 4), I()), g -> a(g.away(2, 3, 4), I(0, 2))), "INDArray.norm1([I)T");
        put(on(g -> a(g.away(3, 4), true, I(1)), g -> a(g.away(3, 4), false, I(0))), "INDArray.norm1(Z[I)T");
        put(on(g -> a(g.t(3, 4)), g -> a(g.t(4)), g -> a(g.t(2, 3, 2)), g -> a(g.t())),
                "INDArray.sumNumber()N", "INDArray.meanNumber()N", "INDArray.maxNumber()N", "INDArray.minNumber()N",
                "INDArray.norm2Number()N", "INDArray.varNumber()N", "INDArray.stdNumber()N");
        put(on(g -> a(g.away(3, 4))), "INDArray.norm1Number()N");
        put(on(g -> a(g.t(3, 4), g.t(3, 4)), g -> a(g.t(4), g.t(4))),
                "INDArray.squaredDistance(T)D", "INDArray.distance2(T)D");
        put(on(g -> {
            INDArray y = g.t(3, 4);
            return a(y.add(g.awayBy(0.1, 1, 3, 4)), y);
        }), "INDArray.distance1(T)D");

        put(on(dims), "INDArray.normmax([I)T");
        // amax copies x, signs and all, in some reductions over a dimension of size 1 (case 7) but not others (case 8)
        Case[] amaxDims = Arrays.copyOf(dims, dims.length + 1);
        amaxDims[dims.length] = g -> a(g.t(1), I(0));
        put(on(amaxDims), "INDArray.amax([I)T");
        put(on(keepDims), "INDArray.normmax(Z[I)T");
        put(on(g -> a(g.t(3, 4)), g -> a(g.t(4)), g -> a(g.t(2, 3, 2))), "INDArray.normmaxNumber()N", "INDArray.amaxNumber()N");

        // ---- cumulative sums and repetition
        put(on(g -> a(g.t(3, 4), 1), g -> a(g.t(3, 4), 0), g -> a(g.t(4), 0), g -> a(g.t(2, 3, 4), -1),
                g -> a(f(g.t(3, 4)), 1), g -> a(g.t(4, 3).transpose(), 0)), "INDArray.cumsum(I)T");
        put(on(g -> a(g.t(2, 3), 0, L(2)), g -> a(g.t(2, 3), 1, L(3)), g -> a(g.t(2, 3), 1, L(1, 0, 2)),
                g -> a(g.t(2, 3, 2), -1, L(2)), g -> a(f(g.t(2, 3)), 0, L(3))), "INDArray.repeat(I[J)T");
        put(on(g -> a(g.t(2, 3), I(2, 2)), g -> a(g.t(2, 3), I(1, 3)), g -> a(g.t(2, 3, 2), I(2, 1, 2)),
                g -> a(f(g.t(2, 3)), I(3, 2))), "Nd4j.tile(T[I)T");

        // ---- INDArray: no derivative
        put(on(g -> a(g.t(3, 4))).noFiniteDifferences(), "INDArray.like()T", "INDArray.ulike()T", "INDArray.shape()[J",
                "INDArray.dataType()DT");
        put(on(g -> a(g.t(3, 4), I(1))), "INDArray.argMax([I)T");
        put(on(g -> a(g.t(3, 4), g.n(-0.5, 0.5))), "INDArray.gt(N)T", "INDArray.gte(N)T", "INDArray.lt(N)T",
                "INDArray.lte(N)T", "INDArray.eq(N)T", "INDArray.neq(N)T");
        put(on(g -> a(g.t(3, 4), g.t(3, 4))), "INDArray.gt(T)T", "INDArray.lt(T)T", "INDArray.eq(T)T", "INDArray.neq(T)T");

        // ---- Transforms
        Case wide = g -> a(g.u(-2, 2, 3, 4));
        put(on(wide, g -> a(g.t(4)), g -> a(g.t(4, 3).transpose())), "Transforms.tanh(T)T", "Transforms.sigmoid(T)T",
                "Transforms.exp(T)T", "Transforms.sin(T)T", "Transforms.cos(T)T", "Transforms.atan(T)T",
                "Transforms.sinh(T)T", "Transforms.cosh(T)T", "Transforms.softPlus(T)T", "Transforms.identity(T)T",
                "Transforms.neg(T)T");
        put(on(g -> a(g.awayBy(0.1, 2, 3, 4))), "Transforms.relu(T)T", "Transforms.leakyRelu(T)T", "Transforms.elu(T)T",
                "Transforms.abs(T)T", "Transforms.softsign(T)T");
        put(on(g -> a(g.awayBy(0.1, 2, 3, 4), 0.2), g -> a(g.awayBy(0.1, 2, 4), 0.05)), "Transforms.leakyRelu(TD)T");
        put(on(g -> a(g.u(-1, 7, 3, 4))), "Transforms.relu6(T)T");
        put(on(g -> a(g.u(-2, 2, 3, 4))), "Transforms.hardTanh(T)T");
        put(on(g -> a(g.u(-1.2, 1.2, 3, 4))), "Transforms.tan(T)T");
        put(on(g -> a(g.u(-0.9, 0.9, 3, 4))), "Transforms.asin(T)T", "Transforms.acos(T)T", "Transforms.atanh(T)T");
        put(on(g -> a(g.u(0.2, 3, 3, 4))), "Transforms.log(T)T", "Transforms.sqrt(T)T");
        put(on(g -> a(g.u(-0.5, 2, 3, 4), true), g -> a(g.u(-0.5, 2, 4), true)), "Transforms.log1p(TZ)T");
        put(on(g -> a(g.u(-2, 2, 3, 4), true), g -> a(g.u(-2, 2, 4), true)), "Transforms.expm1(TZ)T");
        put(on(g -> a(g.u(0.2, 3, 3, 4), 2.5), g -> a(g.u(0.2, 3, 4), 10.0)), "Transforms.log(TD)T");
        put(on(g -> a(g.t(3, 4)), g -> a(g.t(4)), g -> a(g.t(2, 3, 4)), g -> a(g.t(4, 3).transpose())),
                "Transforms.softmax(T)T");
        put(on(g -> a(g.u(0.2, 2, 3, 4), 2.5), g -> a(g.u(0.2, 2, 3, 4), 3.0), g -> a(g.u(0.2, 2, 4), -1.5)),
                "Transforms.pow(TN)T");
        put(on(g -> a(g.u(0.2, 2, 3, 4), g.u(0.5, 2, 3, 4)), g -> a(g.u(0.2, 2, 1, 4), g.u(0.5, 2, 4))), "Transforms.pow(TT)T");
        put(on(g -> a(g.t(3, 4), 0.1), g -> a(g.t(4), -0.3)), "Transforms.max(TD)T", "Transforms.min(TD)T");
        put(on(g -> a(g.t(3, 4), g.t(3, 4))), "Transforms.max(TT)T", "Transforms.min(TT)T");
        put(on(g -> a(g.t(4), g.t(4)), g -> a(g.t(3, 4), g.t(3, 4))), "Transforms.dot(TT)T",
                "Transforms.euclideanDistance(TT)D");
        put(on(g -> a(g.t(4), g.t(4)), g -> a(g.t(3, 4), g.t(3, 4)), g -> a(g.t(1, 4), g.t(4))), "Transforms.cosineSim(TT)D");
        put(on(g -> a(g.u(-3, 3, 3, 4))), "Transforms.floor(T)T", "Transforms.ceil(T)T", "Transforms.ceiling(T)T",
                "Transforms.round(T)T", "Transforms.sign(T)T", "Transforms.step(T)T");

        // ---- Nd4j
        put(on(g -> a(g.n(-2, 2))), "Nd4j.scalar(D)T", "Nd4j.scalar(N)T");
        put(on(g -> a((float) (double) g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.scalar(F)T");
        put(on(g -> a(DataType.DOUBLE, g.n(-2, 2))), "Nd4j.scalar(DTN)T");
        put(on(g -> a(g.t(3, 4), g.t(4, 2), false, false), g -> a(g.t(4, 3), g.t(4, 2), true, false),
                g -> a(g.t(3, 4), g.t(2, 4), false, true), g -> a(g.t(4, 3), g.t(2, 4), true, true)), "Nd4j.gemm(TTZZ)T");
        put(on(g -> a(g.t(3, 4), g.t(4, 2)), g -> a(g.t(2, 3, 4), g.t(2, 4, 2))), "Nd4j.matmul(TT)T");
        put(on(g -> a(g.t(3, 4), g.t(2, 4), false, true, false), g -> a(g.t(4, 3), g.t(4, 2), true, false, false),
                g -> a(g.t(4, 3), g.t(2, 4), true, true, false), g -> a(g.t(3, 4), g.t(4, 2), false, false, true),
                g -> a(g.t(2, 3, 4), g.t(2, 5, 4), false, true, false), g -> a(g.t(2, 4, 3), g.t(2, 4, 5), true, false, true)),
                "Nd4j.matmul(TTZZZ)T");
        put(on(g -> a(g.t(4), 0), g -> a(g.t(3, 4), 1)), "Nd4j.expandDims(TI)T");
        put(on(g -> a(g.t(1, 4), 0), g -> a(g.t(3, 1), 1)), "Nd4j.squeeze(TI)T");
        put(on(g -> a(0, new INDArray[] {g.t(3, 4), g.t(1, 4)}), g -> a(1, new INDArray[] {g.t(3, 4), g.t(3, 2), g.t(3, 1)}),
                g -> a(-1, new INDArray[] {g.t(2, 2), g.t(2, 3)})), "Nd4j.concat(I[T)T");
        put(on(g -> a((Object) new INDArray[] {g.t(3, 4), g.t(1, 4)}), g -> a((Object) new INDArray[] {g.t(4), g.t(4), g.t(4)})),
                "Nd4j.vstack([T)T");
        put(on(g -> a((Object) new INDArray[] {g.t(3, 4), g.t(3, 1)}), g -> a((Object) new INDArray[] {g.t(4), g.t(2)})),
                "Nd4j.hstack([T)T");
        put(on(g -> a(0, new INDArray[] {g.t(3, 4), g.t(3, 4)}), g -> a(1, new INDArray[] {g.t(3, 4), g.t(3, 4), g.t(3, 4)}),
                g -> a(2, new INDArray[] {g.t(3, 4), g.t(3, 4)})), "Nd4j.stack(I[T)T");
        put(on(g -> a(g.t(3, 4)), g -> a(g.t(4))), "Nd4j.sum(T)T", "Nd4j.mean(T)T", "Nd4j.max(T)T", "Nd4j.min(T)T");
        put(on(g -> a(g.t(3, 4), 0), g -> a(g.t(3, 4), 1)), "Nd4j.sum(TI)T", "Nd4j.mean(TI)T", "Nd4j.max(TI)T", "Nd4j.min(TI)T");
        put(on(g -> a(g.t(3, 4))), "Nd4j.zerosLike(T)T", "Nd4j.onesLike(T)T");
        // valueArrayOf without a dtype makes the default dtype (FLOAT here): steps for float results
        put(on(g -> a(L(3, 4), g.n(-2, 2)), g -> a(L(5), g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.valueArrayOf([JD)T");
        put(on(g -> a(L(3, 4), (float) (double) g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.valueArrayOf([JF)T");
        put(on(g -> a(I(3, 4), g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.valueArrayOf([ID)T");
        put(on(g -> a(L(3, 4), g.n(-2, 2), DataType.DOUBLE), g -> a(L(2), g.n(-2, 2), DataType.FLOAT)).step(1e-2).tolerance(1e-4),
                "Nd4j.valueArrayOf([JDDT)T");
        put(on(g -> a(4L, g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.valueArrayOf(JD)T");
        put(on(g -> a(2L, 3L, g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Nd4j.valueArrayOf(JJD)T");
        // tensors made from Java arrays: the array's adjoint is an array
        put(on(g -> a((Object) g.t(5).toDoubleVector()), g -> a((Object) g.t(1).toDoubleVector())),
                "Nd4j.createFromArray([D)T", "Nd4j.create([D)T");
        put(on(g -> a(g.t(6).toDoubleVector(), L(2, 3)), g -> a(g.t(4).toDoubleVector(), L(4))), "Nd4j.create([D[J)T");
        put(on(g -> a(g.t(6).toDoubleVector(), I(3, 2))), "Nd4j.create([D[I)T");
        put(on(g -> a((Object) g.t(5).toFloatVector())).step(1e-2).tolerance(1e-4), "Nd4j.createFromArray([F)T", "Nd4j.create([F)T");
        put(on(g -> a(g.t(6).toFloatVector(), L(2, 3))).step(1e-2).tolerance(1e-4), "Nd4j.create([F[J)T");
        put(on(g -> a(g.t(6).toFloatVector(), I(3, 2))).step(1e-2).tolerance(1e-4), "Nd4j.create([F[I)T");
        put(on(g -> a(g.t(3, 4), I(1))), "Nd4j.argMax(T[I)T", "Nd4j.argMin(T[I)T");

        // ---- boxing
        put(on(g -> a(g.n(-2, 2))), "Double.valueOf(D)Double", "Number.doubleValue()D", "Double.doubleValue()D");
        put(on(g -> a(g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Double.floatValue()F"); // a float result
        put(on(g -> a((float) (double) g.n(-2, 2))).step(1e-2).tolerance(1e-4), "Float.valueOf(F)Float",
                "Float.doubleValue()D", "Float.floatValue()F", "Number.floatValue()F");
        // Double.max/min (NumberRules): points at least 0.5 apart, so that no step crosses the kink
        put(on(g -> a(g.n(-2, -1.5), g.n(1, 2)), g -> a(g.n(1, 2), g.n(-2, -1.5))), "Double.max(DD)D", "Double.min(DD)D");
        put(on(g -> a((float) (double) g.n(-2, -1.5), (float) (double) g.n(1, 2)),
                g -> a((float) (double) g.n(1, 2), (float) (double) g.n(-2, -1.5))).step(1e-2).tolerance(1e-4),
                "Float.max(FF)F", "Float.min(FF)F");
    }

    // ---------------------------------------------------------------- descriptors in short form

    private static final String[][] SHORT = {
        {"Lorg/nd4j/linalg/api/ndarray/INDArray;", "T"}, {"Ljava/lang/Number;", "N"},
        {"Lorg/nd4j/linalg/indexing/INDArrayIndex;", "Idx"}, {"Lorg/nd4j/linalg/api/buffer/DataType;", "DT"},
        {"Ljava/lang/Double;", "Double"}, {"Ljava/lang/Float;", "Float"},
    };

    static String key(Rule rule) {
        String d = rule.descriptor();
        for (String[] s : SHORT) d = d.replace(s[0], s[1]);
        return rule.owner().substring(rule.owner().lastIndexOf('/') + 1) + "." + rule.name() + d;
    }

    static List<Rule> tensorRules() {
        return RuleTable.global().all().stream().filter(r -> OWNERS.contains(r.owner()))
                .sorted(Comparator.comparing(TensorRulesTest::key)).toList();
    }

    @BeforeAll
    static void warmUp() {
        Nd4j.create(new double[] {1}).add(1.0);
    }

    @Test
    void everyTensorRuleHasADomainAndEveryDomainARule() {
        Set<String> rules = new TreeSet<>();
        for (Rule r : tensorRules()) rules.add(key(r));
        assertTrue(rules.size() > 150, "expected the tensor rules to be registered with ND4J present, found " + rules.size());
        Set<String> missing = new TreeSet<>(rules);
        missing.removeAll(DOMAINS.keySet());
        Set<String> stale = new TreeSet<>(DOMAINS.keySet());
        stale.removeAll(rules);
        assertTrue(missing.isEmpty(), "rules without a test domain (add one to TensorRulesTest.DOMAINS): " + missing);
        assertTrue(stale.isEmpty(), "domains without a rule: " + stale);
    }

    @TestFactory
    Stream<DynamicTest> everyTensorRuleMatchesFiniteDifferences() {
        List<Rule> rules = tensorRules();
        return rules.stream().map(rule -> DynamicTest.dynamicTest(key(rule), () -> {
            Domain domain = DOMAINS.get(key(rule));
            if (domain == null) fail("no test domain for " + key(rule));
            List<String> failures = new ArrayList<>();
            int c = 0;
            for (Case kase : domain.cases()) {
                Gen g = new Gen(SEED + 31L * key(rule).hashCode() + c);
                check(rule, domain, kase.args(g), "case " + c, failures);
                c++;
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }));
    }

    // ---------------------------------------------------------------- the check

    private static Method primitive(Rule rule) throws ClassNotFoundException {
        Class<?> owner = Class.forName(rule.owner().replace('/', '.'));
        Class<?>[] params = MethodType.fromMethodDescriptorString(rule.descriptor(), owner.getClassLoader()).parameterArray();
        try {
            return owner.getMethod(rule.name(), params);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(key(rule) + ": no such method on " + owner.getName());
        }
    }

    private static Method adjointMethod(Rule.AdjointMethod a) throws Exception {
        Class<?> owner = Class.forName(a.owner().replace('/', '.'));
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(a.name()) && org.grad4j.runtime.Descriptors.of(m).equals(a.descriptor())) return m;
        }
        throw new AssertionError("no adjoint method " + a);
    }

    private static Object invoke(Method m, Object receiver, Object[] args) throws Throwable {
        try {
            return m.invoke(receiver, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Calls the primitive on args (receiver first for instance rules). */
    private static Object call(Rule rule, Method p, Object[] args) throws Throwable {
        if (rule.isInstance()) return invoke(p, args[0], Arrays.copyOfRange(args, 1, args.length));
        return invoke(p, null, args);
    }

    /** ⟨W, result⟩ in float64. */
    private static double weigh(Object result, Object w) {
        if (result instanceof INDArray r) {
            return ((INDArray) w).mul(r.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        }
        return ((Double) w) * ((Number) result).doubleValue();
    }

    private static boolean numericResult(Object result) {
        return result instanceof INDArray || result instanceof Number;
    }

    /** The float32 form of the arguments: tensors (and tensors in arrays) cast, the rest as they are. */
    private static Object[] asFloat(Object[] args) {
        Object[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof INDArray t) out[i] = castKeepingOrder(t, DataType.FLOAT);
            else if (out[i] instanceof INDArray[] ts) {
                INDArray[] c = new INDArray[ts.length];
                for (int k = 0; k < ts.length; k++) c[k] = castKeepingOrder(ts[k], DataType.FLOAT);
                out[i] = c;
            }
        }
        return out;
    }

    private static INDArray castKeepingOrder(INDArray t, DataType type) {
        INDArray c = t.castTo(type);
        return t.ordering() == 'f' && c.ordering() != 'f' ? c.dup('f') : c;
    }

    /** Deep copies of the tensors in args, to check that adjoints leave them unchanged. */
    private static List<INDArray[]> snapshot(Object... values) {
        List<INDArray[]> out = new ArrayList<>();
        for (Object v : values) {
            if (v instanceof INDArray t) out.add(new INDArray[] {t, t.dup()});
            else if (v instanceof INDArray[] ts) for (INDArray t : ts) out.add(new INDArray[] {t, t.dup()});
        }
        return out;
    }

    private static void check(Rule rule, Domain domain, Object[] args, String where, List<String> failures) throws Throwable {
        String name = key(rule) + " " + where;
        Method p = primitive(rule);
        Object result = call(rule, p, args);
        boolean zero = true;
        for (int i = 0; i < rule.arity(); i++) zero &= rule.adjoint(i) == null;
        if (zero) {
            if (domain.fdForZero() && numericResult(result)) checkZero(rule, p, args, result, domain, name, failures);
            return;
        }
        Random wr = new Random(SEED ^ name.hashCode());
        Object w = result instanceof INDArray r ? new Gen(wr.nextLong()).t(r.shape()) : (Object) (wr.nextDouble() * 2 - 1);
        Object[] doubleAdjoints = adjoints(rule, args, result, w, name, failures);
        for (int i = 0; i < rule.arity(); i++) {
            if (rule.adjoint(i) == null) continue;
            compareWithFiniteDifferences(rule, p, args, i, doubleAdjoints[i], w, domain, name, failures);
        }
        // float32: same inputs, tensors cast; adjoints FLOAT, shaped like their arguments, near the float64 ones
        Object[] fargs = asFloat(args);
        Object fresult = call(rule, p, fargs);
        Object[] floatAdjoints = adjoints(rule, fargs, fresult, w, name + " float32", failures);
        for (int i = 0; i < rule.arity(); i++) {
            if (rule.adjoint(i) == null) continue;
            compareFloat(doubleAdjoints[i], floatAdjoints[i], name + " float32 arg " + i, failures);
        }
    }

    /** Runs every adjoint of the rule with dResult = w (in the result's dtype) and checks shapes, dtypes and that nothing changed. */
    private static Object[] adjoints(Rule rule, Object[] args, Object result, Object w, String name, List<String> failures)
            throws Throwable {
        Object dResult = result instanceof INDArray r ? ((INDArray) w).castTo(r.dataType()) : w;
        List<INDArray[]> before = snapshot(concat(args, result, dResult));
        Object[] out = new Object[rule.arity()];
        for (int i = 0; i < rule.arity(); i++) {
            if (rule.adjoint(i) == null) continue;
            Method m = adjointMethod(rule.adjoint(i));
            Object[] full = concat(args, result, dResult);
            out[i] = rule.adjoint(i).into() ? addedInto(m, full, (INDArray) args[i], name) : invoke(m, null, full);
            checkLike(out[i], args[i], name + " arg " + i, failures);
        }
        for (INDArray[] pair : before) {
            if (!same(pair[0], pair[1])) failures.add(name + ": an adjoint modified an argument, the result or dResult");
        }
        return out;
    }

    /**
     * What an {@code Adjoint.into} method adds into a buffer like {@code x} that already holds
     * other reads' adjoints (random values): so a method that assigned instead of adding, or
     * touched more than the part read, fails the finite differences.
     */
    private static INDArray addedInto(Method m, Object[] full, INDArray x, String name) throws Throwable {
        INDArray into = Tensors.zeros(x).assign(new Gen(SEED ^ name.hashCode() ^ 0x5eed).t(x.shape()));
        INDArray before = into.dup(into.ordering());
        invoke(m, null, concat(full, into));
        return into.sub(before);
    }

    /** Exactly equal (equalsWithEps(…, 0) is false for every rank-0 array in ND4J 1.0.0-M2.1). */
    private static boolean same(INDArray a, INDArray b) {
        if (!Arrays.equals(a.shape(), b.shape()) || a.dataType() != b.dataType()) return false;
        if (a.length() == 0 || !a.dataType().isFPType()) return a.equals(b);
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue() == 0;
    }

    private static Object[] concat(Object[] args, Object... more) {
        Object[] full = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, full, args.length, more.length);
        return full;
    }

    /** A tensor adjoint has its argument's shape and dtype; an INDArray[] adjoint one such element per element. */
    private static void checkLike(Object adjoint, Object arg, String name, List<String> failures) {
        if (arg instanceof INDArray x) {
            if (!(adjoint instanceof INDArray g)) {
                failures.add(name + ": adjoint of a tensor is " + adjoint);
                return;
            }
            if (!Arrays.equals(g.shape(), x.shape())) {
                failures.add(name + ": adjoint shape " + Arrays.toString(g.shape()) + " ≠ argument shape " + Arrays.toString(x.shape()));
            }
            if (g.dataType() != x.dataType()) failures.add(name + ": adjoint dtype " + g.dataType() + " ≠ " + x.dataType());
        } else if (arg instanceof INDArray[] xs) {
            if (!(adjoint instanceof INDArray[] gs) || gs.length != xs.length) {
                failures.add(name + ": adjoint of an INDArray[] must be an INDArray[] of length " + xs.length);
                return;
            }
            for (int k = 0; k < xs.length; k++) checkLike(gs[k], xs[k], name + "[" + k + "]", failures);
        } else if (arg instanceof double[] || arg instanceof float[]) { // Nd4j.create(w, shape): an array of the same type and length
            if (adjoint == null || adjoint.getClass() != arg.getClass()
                    || java.lang.reflect.Array.getLength(adjoint) != java.lang.reflect.Array.getLength(arg)) {
                failures.add(name + ": adjoint of a " + arg.getClass().getSimpleName() + " must be one of its length, not " + adjoint);
            }
        } else if (!(adjoint instanceof Double)) {
            failures.add(name + ": adjoint of a scalar is " + adjoint);
        }
    }

    /** The c-order subscripts of linear position j. */
    private static long[] subscripts(long[] shape, long j) {
        long[] sub = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            sub[d] = j % shape[d];
            j /= shape[d];
        }
        return sub;
    }

    private static double element(INDArray t, long[] sub) {
        return sub.length == 0 ? t.getDouble(0) : t.getDouble(sub);
    }

    private static INDArray withElement(INDArray t, long[] sub, double v) {
        INDArray c = t.dup(t.ordering());
        if (sub.length == 0) c.putScalar(0, v);
        else c.putScalar(sub, v);
        return c;
    }

    private static double phi(Rule rule, Method p, Object[] args, Object w) throws Throwable {
        return weigh(call(rule, p, args), w);
    }

    /** Central differences of ⟨W, f⟩ in argument i, element by element, against the adjoint. */
    private static void compareWithFiniteDifferences(Rule rule, Method p, Object[] args, int i, Object adjoint, Object w,
                                                     Domain domain, String name, List<String> failures) throws Throwable {
        Object arg = args[i];
        if (arg instanceof INDArray x) {
            if (!(adjoint instanceof INDArray g)) return; // reported by checkLike
            for (long j = 0; j < x.length(); j++) {
                long[] sub = subscripts(x.shape(), j);
                double fd = tensorDifference(rule, p, args, i, -1, x, sub, w, domain.step());
                expect(fd, element(g, sub), domain, name + " arg " + i + " element " + Arrays.toString(sub), failures);
            }
        } else if (arg instanceof INDArray[] xs) {
            if (!(adjoint instanceof INDArray[] gs) || gs.length != xs.length) return;
            for (int k = 0; k < xs.length; k++) {
                for (long j = 0; j < xs[k].length(); j++) {
                    long[] sub = subscripts(xs[k].shape(), j);
                    double fd = tensorDifference(rule, p, args, i, k, xs[k], sub, w, domain.step());
                    expect(fd, element(gs[k], sub), domain, name + " arg " + i + "[" + k + "] element " + Arrays.toString(sub), failures);
                }
            }
        } else if (arg instanceof double[] || arg instanceof float[]) {
            if (adjoint == null || adjoint.getClass() != arg.getClass()) return; // reported by checkLike
            for (int j = 0; j < java.lang.reflect.Array.getLength(arg); j++) {
                double v = java.lang.reflect.Array.getDouble(arg, j);
                double h = domain.step() * Math.max(1, Math.abs(v));
                Object[] plus = args.clone();
                Object[] minus = args.clone();
                plus[i] = withElement(arg, j, v + h);
                minus[i] = withElement(arg, j, v - h);
                double step = java.lang.reflect.Array.getDouble(plus[i], j) - java.lang.reflect.Array.getDouble(minus[i], j);
                double fd = (phi(rule, p, plus, w) - phi(rule, p, minus, w)) / step;
                expect(fd, java.lang.reflect.Array.getDouble(adjoint, j), domain, name + " arg " + i + " element " + j, failures);
            }
        } else {
            double v = ((Number) arg).doubleValue();
            double h = domain.step() * Math.max(1, Math.abs(v));
            boolean single = arg instanceof Float;
            Object[] plus = args.clone();
            Object[] minus = args.clone();
            plus[i] = single ? (Object) (float) (v + h) : (Object) (v + h);
            minus[i] = single ? (Object) (float) (v - h) : (Object) (v - h);
            double step = ((Number) plus[i]).doubleValue() - ((Number) minus[i]).doubleValue();
            double fd = (phi(rule, p, plus, w) - phi(rule, p, minus, w)) / step;
            expect(fd, ((Number) adjoint).doubleValue(), domain, name + " arg " + i, failures);
        }
    }

    /** A copy of a double[] or float[] with element j set to v. */
    private static Object withElement(Object array, int j, double v) {
        if (array instanceof float[] f) {
            float[] c = f.clone();
            c[j] = (float) v;
            return c;
        }
        double[] c = ((double[]) array).clone();
        c[j] = v;
        return c;
    }

    private static double tensorDifference(Rule rule, Method p, Object[] args, int i, int k, INDArray x, long[] sub, Object w,
                                           double step) throws Throwable {
        double v = element(x, sub);
        double h = step * Math.max(1, Math.abs(v));
        Object[] plus = args.clone();
        Object[] minus = args.clone();
        if (k < 0) {
            plus[i] = withElement(x, sub, v + h);
            minus[i] = withElement(x, sub, v - h);
        } else {
            INDArray[] ps = ((INDArray[]) args[i]).clone();
            INDArray[] ms = ps.clone();
            ps[k] = withElement(x, sub, v + h);
            ms[k] = withElement(x, sub, v - h);
            plus[i] = ps;
            minus[i] = ms;
        }
        return (phi(rule, p, plus, w) - phi(rule, p, minus, w)) / (2 * h);
    }

    private static void expect(double fd, double ad, Domain domain, String name, List<String> failures) {
        if (!(Math.abs(fd - ad) <= domain.tolerance() * Math.max(1, Math.abs(fd)))) {
            failures.add(name + ": adjoint " + ad + ", finite differences " + fd);
        }
    }

    /** A zero-derivative primitive: finite differences of ⟨W, f⟩ in every tensor argument are 0. */
    private static void checkZero(Rule rule, Method p, Object[] args, Object result, Domain domain, String name,
                                  List<String> failures) throws Throwable {
        Object w = result instanceof INDArray r ? new Gen(SEED).t(r.shape()) : (Object) 0.7;
        for (int i = 0; i < args.length; i++) {
            if (!(args[i] instanceof INDArray x)) continue;
            for (long j = 0; j < x.length(); j++) {
                long[] sub = subscripts(x.shape(), j);
                double fd = tensorDifference(rule, p, args, i, -1, x, sub, w, domain.step());
                if (fd != 0) failures.add(name + " arg " + i + " element " + Arrays.toString(sub) + ": declared zero derivative, "
                        + "finite differences " + fd);
            }
        }
    }

    private static void compareFloat(Object reference, Object single, String name, List<String> failures) {
        if (reference instanceof INDArray r && single instanceof INDArray s) {
            if (s.dataType() != DataType.FLOAT) return; // reported by checkLike
            double scale = Math.max(1, r.amaxNumber().doubleValue());
            double diff = r.sub(s.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            if (!(diff <= 1e-3 * scale)) failures.add(name + ": float32 adjoint differs from float64 by " + diff);
        } else if (reference instanceof INDArray[] rs && single instanceof INDArray[] ss) {
            for (int k = 0; k < rs.length; k++) compareFloat(rs[k], ss[k], name + "[" + k + "]", failures);
        } else if ((reference instanceof double[] || reference instanceof float[]) && reference.getClass() == single.getClass()) {
            for (int k = 0; k < java.lang.reflect.Array.getLength(reference); k++) {
                compareFloat(java.lang.reflect.Array.getDouble(reference, k), java.lang.reflect.Array.getDouble(single, k),
                        name + "[" + k + "]", failures);
            }
        } else if (reference instanceof Double r && single instanceof Double s) {
            if (!(Math.abs(r - s) <= 1e-3 * Math.max(1, Math.abs(r)))) {
                failures.add(name + ": float32 adjoint " + s + " differs from float64 " + r);
            }
        }
    }

    // ---------------------------------------------------------------- conventions pinned by hand

    /** ND4J pairs pow's elements by position without broadcasting: tensors of different lengths get a clear error, not NaN. */
    @Test
    void powOfTensorsOfDifferentLengthsIsAClearError() {
        INDArray x = Nd4j.create(new double[][] {{1, 2, 3}, {4, 5, 6}});
        INDArray p = Nd4j.create(new double[][] {{2, 1, 0.5}});
        INDArray y = org.nd4j.linalg.ops.transforms.Transforms.pow(x, p);
        for (int arg = 0; arg < 2; arg++) {
            int which = arg;
            org.grad4j.GradientException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.GradientException.class,
                    () -> { if (which == 0) TransformsRules.powTensorX(x, p, y, y); else TransformsRules.powTensorP(x, p, y, y); });
            assertTrue(e.getMessage().contains("shapes [2, 3] and [1, 3], which ND4J does not broadcast")
                    && e.getMessage().contains("p.broadcast(x.shape())"), e.getMessage());
        }
    }

    @Test
    void maxAndMinOverDimensionsGiveTiesToTheFirst() {
        INDArray x = Nd4j.create(new double[][] {{1, 3, 3}, {2, 2, 0}});
        INDArray d = Nd4j.create(new double[] {10, 20});
        assertEquals(Nd4j.create(new double[][] {{0, 10, 0}, {20, 0, 0}}), INDArrayRules.max(x, I(1), x.max(1), d));
        INDArray t = Nd4j.create(new double[][] {{1, 2}, {3, 2}, {3, 0}}).transpose(); // [[1, 3, 3], [2, 2, 0]], 'f' order
        assertEquals(Nd4j.create(new double[][] {{0, 10, 0}, {20, 0, 0}}), INDArrayRules.max(t, I(1), t.max(1), d));
        assertEquals(Nd4j.create(new double[][] {{0, 10, 0}, {0, 0, 0}}),
                INDArrayRules.max(x, I(0, 1), x.max(0, 1), Nd4j.scalar(10.0)));
        assertEquals(Nd4j.create(new double[][] {{0, 10, 0}, {0, 0, 0}}),
                INDArrayRules.max(t, I(0, 1), t.max(0, 1), Nd4j.scalar(10.0)));
        INDArray m = Nd4j.create(new double[][] {{0, 0, 1}, {0, 2, 0}});
        assertEquals(Nd4j.create(new double[][] {{10, 20, 0}, {0, 0, 30}}),
                INDArrayRules.min(m, I(0), m.min(0), Nd4j.create(new double[] {10, 20, 30})));
        INDArray all = INDArrayRules.maxNumber(Nd4j.create(new double[] {5, 1, 5}), 5.0, 2.0);
        assertEquals(Nd4j.create(new double[] {2, 0, 0}), all);
    }

    /** Elements off the maximum get exactly 0, even when the adjoint is infinite or NaN. */
    @Test
    void maxAdjointIsZeroOffTheMaximumWhateverTheAdjoint() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = Nd4j.create(new double[][] {{1, 3, 2}, {4, 0, 4}}).castTo(type);
            INDArray d = Nd4j.create(new double[] {Double.POSITIVE_INFINITY, Double.NaN}).castTo(type);
            INDArray g = INDArrayRules.max(x, I(1), x.max(1), d);
            assertEquals(Double.POSITIVE_INFINITY, g.getDouble(0, 1), type.toString());
            assertTrue(Double.isNaN(g.getDouble(1, 0)), type.toString());
            for (long[] off : new long[][] {{0, 0}, {0, 2}, {1, 1}, {1, 2}}) {
                assertEquals(0.0, Math.abs(g.getDouble(off)), type + " at " + java.util.Arrays.toString(off));
            }
        }
    }

    @Test
    void kinksFollowMathRulesConventions() {
        INDArray x = Nd4j.create(new double[] {-1, 0, 2});
        INDArray d = Nd4j.create(new double[] {1, 1, 1});
        assertEquals(Nd4j.create(new double[] {-1, 0, 1}), TransformsRules.abs(x, null, d));
        assertEquals(Nd4j.create(new double[] {0, 0, 1}), TransformsRules.relu(x, null, d));
        assertEquals(Nd4j.create(new double[] {0.01, 0.01, 1}), TransformsRules.leakyRelu(x, null, d));
        assertEquals(Nd4j.create(new double[] {0, 1, 1}), TransformsRules.maxScalarX(x, 0, null, d)); // tie to x
        assertEquals(1.0, TransformsRules.maxScalarK(x, 0, null, d));
    }

    @Test
    void aZeroAdjointThroughAnInfiniteDerivativeIsZeroNotNaN() {
        INDArray x = Nd4j.create(new double[] {0, 4});
        INDArray d = Nd4j.create(new double[] {0, 1});
        assertEquals(Nd4j.create(new double[] {0, 0.25}), TransformsRules.sqrt(x, org.nd4j.linalg.ops.transforms.Transforms.sqrt(x), d));
        assertEquals(Nd4j.create(new double[] {0, 0.25}), TransformsRules.log(x, null, d));
    }

    /** Only an exact 0 is a zero adjoint: a tiny one is scaled, a NaN one stays NaN, in float32 and in a column-major d. */
    @Test
    void onlyAnExactlyZeroAdjointIsMaskedAtAnInfiniteDerivative() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = Nd4j.create(new double[][] {{0, 0.5}, {0, 2}}).castTo(type);
            INDArray d = Nd4j.create(new double[][] {{0, 1e-30}, {-0.0, Double.NaN}}).castTo(type).dup('f');
            INDArray g = TransformsRules.log(x, null, d);
            assertEquals(0.0, g.getDouble(0, 0), type.toString());
            assertEquals(0.0, Math.abs(g.getDouble(1, 0)), type.toString()); // -0.0 is zero too
            assertEquals(d.getDouble(0, 1) / 0.5, g.getDouble(0, 1), Math.ulp(d.getFloat(0, 1)) * 4, type.toString());
            assertTrue(Double.isNaN(g.getDouble(1, 1)), type.toString());
            INDArray s = TransformsRules.sqrt(x, org.nd4j.linalg.ops.transforms.Transforms.sqrt(x), d);
            assertEquals(0.0, Math.abs(s.getDouble(0, 0)), type.toString());
            assertTrue(s.getDouble(0, 1) > 0, type.toString());
        }
    }

    @Test
    void normsAtZeroHaveAdjointZero() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        INDArray g = INDArrayRules.norm2(x, I(1), x.norm2(1), Nd4j.create(new double[] {1, 1}));
        assertEquals(Nd4j.zeros(DataType.DOUBLE, 2, 3), g);
        assertEquals(Nd4j.zeros(DataType.DOUBLE, 2, 3), INDArrayRules.norm2Number(x, 0.0, 1.0));
    }

    @Test
    void scalarAdjointsComeBackInTheTensorsDtype() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4);
        assertEquals(DataType.FLOAT, INDArrayRules.sumNumber(x, x.sumNumber(), 1.0).dataType());
        INDArray into = Tensors.zeros(x);
        INDArrayRules.getDouble(x, 3L, x.getDouble(3L), 1.0, into);
        INDArrayRules.getDouble(x, 3L, x.getDouble(3L), 0.5, into); // the same element read twice: both count
        assertEquals(DataType.FLOAT, into.dataType());
        assertEquals(1.5, into.getDouble(3L));
        assertEquals(1.5, into.sumNumber().doubleValue());
        // FLOAT.add(DOUBLE) stays FLOAT: the DOUBLE operand still gets a DOUBLE adjoint
        INDArray y = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray z = x.add(y);
        assertEquals(DataType.FLOAT, z.dataType());
        assertEquals(DataType.DOUBLE, INDArrayRules.addY(x, y, z, Nd4j.ones(DataType.FLOAT, 3, 4)).dataType());
        assertEquals(DataType.FLOAT, INDArrayRules.mulX(x, y, z, Nd4j.ones(DataType.FLOAT, 3, 4)).dataType());
    }
}
