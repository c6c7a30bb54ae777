package org.grad4j.it.programs;

import java.util.function.DoubleSupplier;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.TransformException;

/**
 * Methods grad4j refuses, one per construct, run as a user would: {@code Refused <case>} asks for
 * a gradient, prints the TransformException's message on stdout, and exits with status 3.
 */
public final class Refused {
    static double lastValue;
    private static final Object LOCK = new Object();

    @Differentiable
    static double storesIntoField(double x) {
        double y = x * x;
        lastValue = y;
        return y;
    }

    @Differentiable
    static double catches(double x) {
        try {
            return Math.log(x);
        } catch (ArithmeticException e) {
            return 0;
        }
    }

    @Differentiable
    static synchronized double synchronizedMethod(double x) {
        return x * x;
    }

    @Differentiable
    static double synchronizedBlock(double x) {
        synchronized (LOCK) {
            return x * x;
        }
    }

    @Differentiable
    static double boxes(double x) {
        java.util.List<Double> kept = new java.util.ArrayList<>(java.util.List.of(x * 2)); // a boxed value escapes
        return kept.get(0) * x;
    }

    @Differentiable
    static double capturesInLambda(double x) {
        double y = x * 3;
        DoubleSupplier later = () -> y * y;
        return (lastSupplier = later).getAsDouble(); // kept in a field: the lambda stays an object
    }

    @Differentiable
    static double callsJdkWithoutRule(double x) {
        return Double.sum(x, 1) * x;
    }

    static double parsesSafely(double x, String scale) {
        try {
            return x * Double.parseDouble(scale);
        } catch (NumberFormatException e) {
            return x;
        }
    }

    @Differentiable
    static double callsHelperThatCatches(double x) {
        return parsesSafely(x * x, "2") + 1;
    }

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "";
        try {
            double g = switch (which) {
                case "field" -> AD.derivative(Refused::storesIntoField, 1.5);
                case "trycatch" -> AD.derivative(Refused::catches, 1.5);
                case "synchronized" -> AD.derivative(Refused::synchronizedMethod, 1.5);
                case "monitor" -> AD.derivative(Refused::synchronizedBlock, 1.5);
                case "boxing" -> AD.derivative(Refused::boxes, 1.5);
                case "lambda" -> AD.derivative(Refused::capturesInLambda, 1.5);
                case "jdk" -> AD.derivative(Refused::callsJdkWithoutRule, 1.5);
                case "helper" -> AD.derivative(Refused::callsHelperThatCatches, 1.5);
                default -> throw new IllegalArgumentException("no case '" + which + "'");
            };
            System.out.println("no refusal: derivative " + g);
        } catch (TransformException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }

    static DoubleSupplier lastSupplier;
}
