package org.grad4j.tensor;

import static org.grad4j.tensor.Tensors.fit;
import static org.grad4j.tensor.Tensors.indicator;
import static org.grad4j.tensor.Tensors.like;
import static org.grad4j.tensor.Tensors.scale;

import org.grad4j.rules.Adjoint;
import org.grad4j.rules.RulesFor;
import org.grad4j.rules.ZeroDerivative;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Reverse rules of ND4J's {@code Transforms} functions — only the overloads that return a new
 * array. The {@code (x, ..., boolean dup)} overloads have no rules of their own: called with
 * the constant {@code true} they copy, and the transformer gives them the rule of the overload
 * without the flag; with {@code false} they overwrite {@code x}, and the transformer refuses
 * them, naming the out-of-place call to use.
 *
 * <p>Conventions at kinks (each a valid one-sided derivative or subgradient, as in
 * {@code MathRules}): {@code abs'(0) = 0}; {@code relu'(0) = 0}, {@code relu6} and
 * {@code hardTanh} have derivative 0 at their corners; {@code leakyRelu'(0) = alpha};
 * {@code max(x, k)} and {@code min(x, k)} give a tie to {@code x}; {@code max(a, b)} and
 * {@code min(a, b)} to {@code a}. Where the derivative is infinite ({@code sqrt} and
 * {@code log} at 0, {@code asin}/{@code acos}/{@code atanh} at ±1), a zero adjoint contributes
 * exactly 0. {@code pow(x, p)}: the exponent's derivative {@code y·ln x} is 0 where
 * {@code x <= 0}. {@code softmax} is over the last dimension (as ND4J computes it); its
 * result's adjoint is used as a whole (no separate log-softmax exists in ND4J 1.0.0-M2.1's
 * {@code Transforms}).
 */
@RulesFor("org/nd4j/linalg/ops/transforms/Transforms")
@ZeroDerivative(name = "floor", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "ceil", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "ceiling", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "round", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "sign", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
@ZeroDerivative(name = "step", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
public final class TransformsRules {
    /** ND4J's default slope of {@code leakyRelu(x)} for negative inputs. */
    static final double LEAKY_RELU_ALPHA = 0.01;

    private TransformsRules() {}

    /**
     * d (1 - y²), from the result y. Not ND4J's fused {@code tanh_bp}: in 1.0.0-M2.1 it
     * recomputes tanh(x) and squares it with {@code powf}, element by element through a
     * {@code std::function}, ~8× slower on CPU than these three vectorised passes (a 128×256
     * float tensor: ~230 µs against ~30 µs, one thread).
     */
    @Adjoint(of = "tanh")
    public static INDArray tanh(INDArray x, INDArray y, INDArray d) {
        return times(d, y.mul(y).rsubi(1.0), x); // y² is a new array: rsubi updates only it
    }

    /** d y (1 - y), from the result y; not the fused {@code sigmoid_bp}, for the same reason as {@link #tanh}. */
    @Adjoint(of = "sigmoid")
    public static INDArray sigmoid(INDArray x, INDArray y, INDArray d) {
        return times(d, y.rsub(1.0).muli(y), x); // 1 - y is a new array: muli updates only it
    }

    /**
     * {@code d ⊙ derivative} as the adjoint of {@code x}, where {@code derivative} is a new array
     * shaped like {@code x} that the caller made and no one else sees: it is multiplied in place
     * when {@code d} has its shape and dtype (no broadcast to undo, no cast).
     */
    private static INDArray times(INDArray d, INDArray derivative, INDArray x) {
        if (d.dataType() == derivative.dataType() && java.util.Arrays.equals(d.shape(), derivative.shape())) {
            return fit(derivative.muli(d), x);
        }
        return fit(d.mul(derivative), x);
    }

    @Adjoint(of = "relu")
    public static INDArray relu(INDArray x, INDArray y, INDArray d) { return fit(d.mul(indicator(x.gt(0), d.dataType())), x); }

    @Adjoint(of = "relu6")
    public static INDArray relu6(INDArray x, INDArray y, INDArray d) {
        return fit(d.mul(indicator(x.gt(0), d.dataType())).muli(indicator(x.lt(6), d.dataType())), x);
    }

    @Adjoint(of = "hardTanh")
    public static INDArray hardTanh(INDArray x, INDArray y, INDArray d) {
        return fit(d.mul(indicator(x.gt(-1), d.dataType())).muli(indicator(x.lt(1), d.dataType())), x);
    }

    /** 1 where x > 0, else alpha. */
    private static INDArray leakySlope(INDArray x, double alpha, INDArray d) {
        return indicator(x.gt(0), d.dataType()).muli(1 - alpha).addi(alpha);
    }

    @Adjoint(of = "leakyRelu")
    public static INDArray leakyRelu(INDArray x, INDArray y, INDArray d) { return fit(d.mul(leakySlope(x, LEAKY_RELU_ALPHA, d)), x); }

    @Adjoint(of = "leakyRelu", arg = 0)
    public static INDArray leakyReluAlphaX(INDArray x, double alpha, INDArray y, INDArray d) {
        return fit(d.mul(leakySlope(x, alpha, d)), x);
    }

    /** y = alpha·x where x <= 0. */
    @Adjoint(of = "leakyRelu", arg = 1)
    public static double leakyReluAlpha(INDArray x, double alpha, INDArray y, INDArray d) {
        return Tensors.dot(d, x.mul(indicator(x.lte(0), x.dataType())));
    }

    /** elu = x for x > 0, eˣ - 1 otherwise: the derivative is 1, resp. y + 1. */
    @Adjoint(of = "elu")
    public static INDArray elu(INDArray x, INDArray y, INDArray d) {
        INDArray positive = indicator(x.gt(0), d.dataType());
        INDArray slope = y.add(1.0).muli(positive.rsub(1.0)).addi(positive);
        return fit(d.mul(slope), x);
    }

    /** softPlus = ln(1 + eˣ): the derivative is sigmoid(x). */
    @Adjoint(of = "softPlus")
    public static INDArray softPlus(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.sigmoid(x)), x); }

    /** softsign = x / (1 + |x|): the derivative is 1 / (1 + |x|)². */
    @Adjoint(of = "softsign")
    public static INDArray softsign(INDArray x, INDArray y, INDArray d) {
        INDArray denominator = Transforms.abs(x).addi(1.0);
        return fit(d.div(denominator.muli(denominator)), x);
    }

    @Adjoint(of = "identity")
    public static INDArray identity(INDArray x, INDArray y, INDArray d) { return fit(d, x); }

    @Adjoint(of = "neg")
    public static INDArray neg(INDArray x, INDArray y, INDArray d) { return fit(d.neg(), x); }

    @Adjoint(of = "exp")
    public static INDArray exp(INDArray x, INDArray y, INDArray d) { return fit(d.mul(y), x); }

    @Adjoint(of = "log")
    public static INDArray log(INDArray x, INDArray y, INDArray d) { return fit(Tensors.quotient(d, x), x); }

    /** y = ln x / ln b. */
    @Adjoint(of = "log", arg = 0)
    public static INDArray logBaseX(INDArray x, double base, INDArray y, INDArray d) {
        return fit(scale(d, x.mul(Math.log(base)).rdivi(1.0)), x);
    }

    /** ∂y/∂b = -y / (b ln b). */
    @Adjoint(of = "log", arg = 1)
    public static double logBaseB(INDArray x, double base, INDArray y, INDArray d) {
        return -Tensors.dot(d, y) / (base * Math.log(base));
    }

    /**
     * {@code log1p(x, dup)}, y = ln(1 + x): ND4J has only the overload with the flag (with
     * {@code false} it overwrites {@code x}, which the transformer refuses).
     */
    @Adjoint(of = "log1p")
    public static INDArray log1p(INDArray x, boolean dup, INDArray y, INDArray d) { return fit(Tensors.quotient(d, x.add(1.0)), x); }

    /** {@code expm1(x, dup)}, y = e^x − 1, y' = y + 1: only the overload with the flag, as log1p. */
    @Adjoint(of = "expm1")
    public static INDArray expm1(INDArray x, boolean dup, INDArray y, INDArray d) { return fit(scale(d, y.add(1.0)), x); }

    @Adjoint(of = "sqrt")
    public static INDArray sqrt(INDArray x, INDArray y, INDArray d) { return fit(scale(d, y.mul(2.0).rdivi(1.0)), x); }

    @Adjoint(of = "abs")
    public static INDArray abs(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.sign(x)), x); }

    @Adjoint(of = "sin")
    public static INDArray sin(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.cos(x)), x); }

    @Adjoint(of = "cos")
    public static INDArray cos(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.sin(x)).negi(), x); }

    @Adjoint(of = "tan")
    public static INDArray tan(INDArray x, INDArray y, INDArray d) { return fit(d.mul(y.mul(y).addi(1.0)), x); }

    @Adjoint(of = "sinh")
    public static INDArray sinh(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.cosh(x)), x); }

    @Adjoint(of = "cosh")
    public static INDArray cosh(INDArray x, INDArray y, INDArray d) { return fit(d.mul(Transforms.sinh(x)), x); }

    /** 1 / √(1 - x²). */
    private static INDArray inverseSqrtOneMinusSquare(INDArray x) {
        return Transforms.sqrt(x.mul(x).rsubi(1.0)).rdivi(1.0);
    }

    @Adjoint(of = "asin")
    public static INDArray asin(INDArray x, INDArray y, INDArray d) { return fit(scale(d, inverseSqrtOneMinusSquare(x)), x); }

    @Adjoint(of = "acos")
    public static INDArray acos(INDArray x, INDArray y, INDArray d) { return fit(scale(d, inverseSqrtOneMinusSquare(x).negi()), x); }

    @Adjoint(of = "atan")
    public static INDArray atan(INDArray x, INDArray y, INDArray d) { return fit(d.div(x.mul(x).addi(1.0)), x); }

    @Adjoint(of = "atanh")
    public static INDArray atanh(INDArray x, INDArray y, INDArray d) { return fit(scale(d, x.mul(x).rsubi(1.0).rdivi(1.0)), x); }

    /** softmax over the last dimension: dx = y ⊙ (d - Σ(d ⊙ y)). */
    @Adjoint(of = "softmax")
    public static INDArray softmax(INDArray x, INDArray y, INDArray d) {
        INDArray dy = d.mul(y);
        INDArray total = x.rank() == 0 ? dy : dy.sum(true, x.rank() - 1);
        return fit(dy.sub(y.mul(total)), x);
    }

    /** y = x^p: ∂y/∂x = p·x^(p-1) (0 when p = 0, even at x = 0), ∂y/∂p = y·ln x (0 where x <= 0). */
    @Adjoint(of = "pow", arg = 0)
    public static INDArray powX(INDArray x, Number p, INDArray y, INDArray d) {
        double power = p.doubleValue();
        if (power == 0) return Tensors.zeros(x);
        return fit(scale(d, Transforms.pow(x, power - 1).muli(power)), x);
    }

    @Adjoint(of = "pow", arg = 1)
    public static double powP(INDArray x, Number p, INDArray y, INDArray d) {
        return Tensors.dot(d, logWherePositive(x, y));
    }

    /** y ⊙ ln x where x > 0, else 0. */
    private static INDArray logWherePositive(INDArray x, INDArray y) {
        INDArray positive = indicator(x.gt(0), x.dataType());
        INDArray safeX = x.mul(positive).addi(positive.rsub(1.0)); // 1 where x <= 0, so ln is 0 there
        return Transforms.log(safeX).muli(y).muli(positive);
    }

    /** Element-wise y = x^p with a tensor exponent. */
    @Adjoint(of = "pow", arg = 0)
    public static INDArray powTensorX(INDArray x, INDArray p, INDArray y, INDArray d) {
        requireSameLength(x, p);
        INDArray pc = Tensors.like(p, x.dataType());
        INDArray zero = indicator(pc.eq(0), x.dataType());
        // x^(p-1)·p, with p == 0 giving 0 even at x = 0 (x^-1 = ∞ there): p·x^(p-1 + [p==0])
        INDArray slope = Transforms.pow(x, pc.sub(1.0).addi(zero)).muli(pc);
        return fit(scale(d, slope), x);
    }

    @Adjoint(of = "pow", arg = 1)
    public static INDArray powTensorP(INDArray x, INDArray p, INDArray y, INDArray d) {
        requireSameLength(x, p);
        return fit(d.mul(logWherePositive(x, y)), p);
    }

    /**
     * ND4J 1.0.0-M2.1 does not broadcast {@code Transforms.pow(x, p)}: it pairs elements by
     * position, its result shaped like x, and past the end of a shorter p reads what is not
     * there. Such a result means nothing, and neither would its gradient: say so instead of
     * crashing in the adjoint or returning NaN.
     */
    private static void requireSameLength(INDArray x, INDArray p) {
        if (x.length() == p.length()) return;
        throw new org.grad4j.GradientException("grad4j: Transforms.pow(x, p) was given tensors of shapes "
                + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(p.shape()) + ", which ND4J does "
                + "not broadcast (it pairs elements by position and reads past the end of the smaller one), so its result is "
                + "meaningless and grad4j gives no gradient for it. Give both the same shape: "
                + "Transforms.pow(x, p.broadcast(x.shape())), or x.broadcast(p.shape()).");
    }

    @Adjoint(of = "max", arg = 0)
    public static INDArray maxScalarX(INDArray x, double k, INDArray y, INDArray d) {
        return fit(d.mul(indicator(x.gte(k), d.dataType())), x);
    }

    @Adjoint(of = "max", arg = 1)
    public static double maxScalarK(INDArray x, double k, INDArray y, INDArray d) {
        return Tensors.dot(d, indicator(x.lt(k), d.dataType()));
    }

    @Adjoint(of = "min", arg = 0)
    public static INDArray minScalarX(INDArray x, double k, INDArray y, INDArray d) {
        return fit(d.mul(indicator(x.lte(k), d.dataType())), x);
    }

    @Adjoint(of = "min", arg = 1)
    public static double minScalarK(INDArray x, double k, INDArray y, INDArray d) {
        return Tensors.dot(d, indicator(x.gt(k), d.dataType()));
    }

    /** Element-wise max(a, b): a tie goes to a. */
    @Adjoint(of = "max", arg = 0)
    public static INDArray maxA(INDArray a, INDArray b, INDArray y, INDArray d) {
        return fit(d.mul(indicator(a.lt(b), d.dataType()).rsubi(1.0)), a);
    }

    @Adjoint(of = "max", arg = 1)
    public static INDArray maxB(INDArray a, INDArray b, INDArray y, INDArray d) {
        return fit(d.mul(indicator(a.lt(b), d.dataType())), b);
    }

    @Adjoint(of = "min", arg = 0)
    public static INDArray minA(INDArray a, INDArray b, INDArray y, INDArray d) {
        return fit(d.mul(indicator(a.gt(b), d.dataType()).rsubi(1.0)), a);
    }

    @Adjoint(of = "min", arg = 1)
    public static INDArray minB(INDArray a, INDArray b, INDArray y, INDArray d) {
        return fit(d.mul(indicator(a.gt(b), d.dataType())), b);
    }

    /** dot(a, b) = Σ a ⊙ b, a scalar tensor. */
    @Adjoint(of = "dot", arg = 0)
    public static INDArray dotA(INDArray a, INDArray b, INDArray y, INDArray d) { return fit(b.mul(d), a); }

    @Adjoint(of = "dot", arg = 1)
    public static INDArray dotB(INDArray a, INDArray b, INDArray y, INDArray d) { return fit(a.mul(d), b); }

    /** The Euclidean distance, as {@code a.distance2(b)}. */
    @Adjoint(of = "euclideanDistance", arg = 0)
    public static INDArray euclideanDistanceA(INDArray a, INDArray b, double v, double d) {
        return INDArrayRules.distance2X(a, b, v, d);
    }

    @Adjoint(of = "euclideanDistance", arg = 1)
    public static INDArray euclideanDistanceB(INDArray a, INDArray b, double v, double d) {
        return INDArrayRules.distance2Y(a, b, v, d);
    }

    /** cosineSim(a, b) = a·b / (‖a‖ ‖b‖) = y: ∂y/∂a = b / (‖a‖ ‖b‖) - y a / ‖a‖²; 0 where a norm is 0. */
    @Adjoint(of = "cosineSim", arg = 0)
    public static INDArray cosineSimA(INDArray a, INDArray b, double y, double d) { return cosineSimAdjoint(a, b, y, d); }

    @Adjoint(of = "cosineSim", arg = 1)
    public static INDArray cosineSimB(INDArray a, INDArray b, double y, double d) { return cosineSimAdjoint(b, a, y, d); }

    private static INDArray cosineSimAdjoint(INDArray a, INDArray b, double y, double d) {
        double na = a.norm2Number().doubleValue(), nb = b.norm2Number().doubleValue();
        if (na == 0 || nb == 0) return Tensors.zeros(a);
        return fit(b.mul(d / (na * nb)).sub(a.mul(d * y / (na * na))), a); // a and b may differ in shape: [4] and [1, 4]
    }
}
