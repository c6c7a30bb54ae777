package org.grad4j.agent;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lambdas, method references and record methods created inside differentiated code. Their
 * {@code invokedynamic} names private members of this class ({@code lambda$…}, a private helper, a
 * record's fields), which the generated classes beside it cannot resolve themselves; each used to
 * fail with an {@code IllegalAccessError}. Gradients are checked against central differences.
 */
class LambdasMadeInsideTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static double square(double[] x) {
        DoubleUnaryOperator sq = z -> z * z;
        return sq.applyAsDouble(x[0]) + x[1];
    }

    private static double cube(double z) {
        return z * z * z;
    }

    static double privateReference(double[] x) {
        DoubleUnaryOperator op = LambdasMadeInsideTest::cube;
        return op.applyAsDouble(x[0]) * x[1];
    }

    static double twoArguments(double[] x) {
        DoubleBinaryOperator weighted = (a, b) -> a * Math.sin(b);
        return weighted.applyAsDouble(x[0], x[1]);
    }

    static double applyEach(DoubleUnaryOperator op, double[] x) {
        double s = 0;
        for (double v : x) s += op.applyAsDouble(v);
        return s;
    }

    /** A lambda capturing a double and a float (data): its code's registers start with theirs. */
    static double capturesScalars(double[] x, double scale, float shift) {
        DoubleUnaryOperator op = z -> scale * z * z + shift * z;
        return applyEach(op, x) + op.applyAsDouble(x[0]);
    }

    /** A captured Integer is no scalar register: the argument's adjoint stays in register 0. */
    static double capturesABoxedInt(double[] x, Integer n) {
        DoubleUnaryOperator op = z -> n * z * z;
        return applyEach(op, x);
    }

    static final double[] DATA = {0.5, -1.5, 2.0, 0.25};

    /** A stream and a comparator over data: plain code between differentiated statements. */
    static double dataLambdas(double[] x) {
        double total = IntStream.range(0, DATA.length).mapToDouble(i -> DATA[i]).sum();
        Integer[] order = {0, 1, 2, 3};
        Arrays.sort(order, Comparator.comparingDouble(i -> DATA[i]));
        double s = 0;
        for (int k = 0; k < order.length; k++) s += (k + 1) * x[order[k]] * x[order[k]];
        return s * total;
    }

    private record Span(int from, int to) {}

    /** A record's toString and equals are invokedynamic sites naming its private fields. */
    static double recordMethods(double[] x) {
        Span span = new Span(0, x.length);
        String shown = span.toString();
        double s = 0;
        if (span.equals(new Span(0, x.length)) && !shown.isEmpty()) {
            for (int i = span.from(); i < span.to(); i++) s += Math.exp(x[i]);
        }
        return s;
    }

    @Test
    void aLambdaMadeInsideIsDifferentiated() {
        CentralDifferences.check(LambdasMadeInsideTest::square, 1.5, -0.5);
    }

    @Test
    void aLambdaCapturingScalarsHandsBackTheArgumentsAdjoint() {
        CentralDifferences.check(x -> capturesScalars(x, 2.5, 0.75f), 0.5, -1.0, 2.0);
        double k = -1.25; // made outside, captured there, called inside
        DoubleUnaryOperator outside = z -> k * Math.sin(z);
        CentralDifferences.check(x -> applyEach(outside, x), 0.3, 1.1);
        CentralDifferences.check(x -> capturesABoxedInt(x, 3), 0.4, -0.9);
    }

    @Test
    void aPrivateMethodReferenceMadeInsideIsDifferentiated() {
        CentralDifferences.check(LambdasMadeInsideTest::privateReference, 0.7, 1.3);
    }

    @Test
    void aTwoArgumentLambdaMadeInsideIsDifferentiated() {
        CentralDifferences.check(LambdasMadeInsideTest::twoArguments, 1.1, 0.4);
    }

    @Test
    void streamsAndComparatorsOverDataRunAsWritten() {
        CentralDifferences.check(LambdasMadeInsideTest::dataLambdas, 0.3, -0.6, 1.2, 0.9);
    }

    @Test
    void recordMethodsRunAsWritten() {
        CentralDifferences.check(LambdasMadeInsideTest::recordMethods, 0.3, -0.6, 1.2);
    }
}
