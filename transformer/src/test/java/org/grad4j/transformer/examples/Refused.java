package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Constructs the transform refuses, each with its message checked by {@link RefusalsTest}. */
public final class Refused {
    static double field;
    private static final Object LOCK = new Object();

    private Refused() {}

    @Differentiable
    public static double storesField(double x) {
        field = x * 2;
        return x;
    }

    static double[] work;

    /** A work array kept in a static field for later calls, as ported Numerical Recipes code does. */
    @Differentiable
    public static double storesWorkArray(double x) {
        double[] b = new double[2];
        work = b;
        b[0] = x * x;
        return b[0];
    }

    @Differentiable
    public static double tryCatch(double x) {
        try {
            return Double.parseDouble("1") * x;
        } catch (NumberFormatException e) {
            return x;
        }
    }

    @Differentiable
    public static double monitor(double x) {
        synchronized (LOCK) {
            return x * x;
        }
    }

    @Differentiable
    public static synchronized double synchronizedMethod(double x) {
        return x;
    }

    @Differentiable
    /** A gradient of a gradient: the remedy is to compute the inner one outside, not a sorting helper. */
    public static double gradientInside(double x) {
        double[] w = {x, 2 * x};
        double[] g = org.grad4j.AD.gradient(v -> v[0] * v[1], w);
        return g[0] + g[1];
    }

    public static double callsJdkWithoutRule(double x) {
        return Double.sum(x, 1);
    }

    static double helperWithTryCatch(double x) {
        try {
            return x * Double.parseDouble("2");
        } catch (NumberFormatException e) {
            return x;
        }
    }

    static double middle(double x) {
        return helperWithTryCatch(x * x) + 1;
    }

    @Differentiable
    public static double badHelperTwoDeep(double x) {
        return middle(x) * 2;
    }

    /** The adder keeps x; sum() would read it back as a constant (a silent zero derivative). */
    @Differentiable
    public static double keepsInJdkObject(double x) {
        java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();
        sum.add(x * x);
        return sum.sum();
    }

    @Differentiable
    public static double accumulatesInStatistics(double x) {
        java.util.DoubleSummaryStatistics st = new java.util.DoubleSummaryStatistics();
        st.accept(x);
        return st.getSum() * 2;
    }

    /** x written as text and read back: the parsed number would be a constant. */
    @Differentiable
    public static double parsedFromText(double x) {
        String text = "" + x;
        return Double.parseDouble(text) * x;
    }

    /** Text of a differentiable value that is only printed, and a number parsed from a constant: allowed. */
    @Differentiable
    public static double parsesOnlyConstants(double x) {
        System.out.println(Double.parseDouble("2.5"));
        return x * x * Double.parseDouble("0.5");
    }

    /** Printing is not keeping: it stays allowed. */
    @Differentiable
    public static double prints(double x) {
        System.out.print("");
        System.out.print(x);
        return x * x;
    }

    @Differentiable
    public static double boxes(double x) {
        java.util.List<Double> list = new java.util.ArrayList<>();
        list.add(x);
        return list.get(0) * 2;
    }

    /** Records added to a list stay objects: the refusal names the list, not the record's own methods (inlined). */
    @Differentiable
    public static double recordsInAList(double x) {
        java.util.List<Heading> headings = new java.util.ArrayList<>();
        Heading h = new Heading(x, 1 - x);
        for (int i = 0; i < 3; i++) {
            h = h.scale(0.9);
            headings.add(h);
        }
        double s = 0;
        for (Heading k : headings) s += k.norm2();
        return s;
    }

    @Differentiable
    public static double bits(double x) {
        long b = Double.doubleToRawLongBits(x);
        return b > 0 ? x : -x;
    }

    static java.util.function.DoubleSupplier lastSupplier;

    @Differentiable
    public static double lambdaCapture(double x) {
        java.util.function.DoubleSupplier s = () -> x * 2;
        lastSupplier = s;
        return s.getAsDouble();
    }

    /** A library method that declares a checked exception, as a parser or a solver may. */
    public static double throwsChecked(double x) throws java.io.IOException {
        if (Double.isNaN(x)) throw new java.io.IOException("no value");
        return x * x;
    }

    /** The lambda must catch what the method declares: DoubleUnaryOperator.applyAsDouble declares nothing. */
    public static java.util.function.DoubleUnaryOperator catchesInLambda() {
        return x -> {
            try {
                return throwsChecked(x);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    @Differentiable
    public static int returnsInt(double x) {
        return (int) x;
    }

    /** A generic function type: its method takes Object once erased. */
    interface Fn<T> {
        double apply(T t);
    }

    static final class SumOfSquares implements Fn<double[]> {
        @Override
        public double apply(double[] v) {
            return v[0] * v[0] + v[1] * v[1];
        }
    }

    static final Fn<double[]> SUM_OF_SQUARES = new SumOfSquares();
    static final java.util.function.ToDoubleFunction<double[]> FIRST = v -> v[0];

    public static double genericParameter(double x) {
        double[] v = {x, 2 * x};
        return SUM_OF_SQUARES.apply(v);
    }

    static final java.util.function.Function<Double, Double> SQUARE = z -> z * z;

    /** A boxed value through Function<Double, Double>: the remedy is a function type on double, not an array type. */
    public static double boxedGenericParameter(double x) {
        return SQUARE.apply(x);
    }

    public static double jdkGenericParameter(double x) {
        double[] v = {x, 2 * x};
        return FIRST.applyAsDouble(v);
    }
}
