package refusals;

import java.util.function.DoubleSupplier;
import org.grad4j.Differentiable;

/**
 * One method per construct grad4j refuses. The line each refusal must name carries a marker
 * comment: REFUSED(method) construct | remedy — RefusalTableIT compiles this file in-process,
 * asks for each method's gradient and checks the message against the marker: class, method,
 * this exact line, the construct, and the remedy. docs/USER-GUIDE.md lists the same table.
 */
public class Refused {
    static double lastStatic;
    double lastInstance;
    static final double[] TABLE = new double[4];
    static final Object LOCK = new Object();

    @Differentiable
    static double staticField(double x) {
        lastStatic = x * 2; // REFUSED(staticField) store of a differentiable value into field Refused.lastStatic | fields may hold only data
        return x;
    }

    @org.grad4j.Parameter static double[] parameterTable = {1, 2};

    @Differentiable
    static double staticParameter(double x) {
        return x * parameterTable[0]; // REFUSED(staticParameter) a read of the static @Parameter field Refused.parameterTable | Make parameterTable an instance field
    }

    @Differentiable
    double instanceField(double x) {
        this.lastInstance = Math.sin(x); // REFUSED(instanceField) store of a differentiable value into field Refused.lastInstance | Keep differentiable values in locals
        return x;
    }

    @Differentiable
    static double untrackedArray(double x) {
        TABLE[0] = x; // REFUSED(untrackedArray) store of a differentiable value into an array grad4j does not track | Allocate the array in the differentiable method
        return TABLE[0] * x;
    }

    @Differentiable
    static double fillUntracked(double x) {
        java.util.Arrays.fill(TABLE, x); // REFUSED(fillUntracked) copying or filling differentiable values (Arrays.fill) | Allocate the destination array
        return x;
    }

    @Differentiable
    static double tryCatch(double x) {
        try {
            return x * Double.parseDouble("2"); // REFUSED(tryCatch) try/catch | Move the try/catch out of the differentiable method
        } catch (NumberFormatException e) {
            return x;
        }
    }

    @Differentiable
    static synchronized double synchronizedMethod(double x) {
        return x * x; // REFUSED(synchronizedMethod) a synchronized method | lock around the AD call instead
    }

    @Differentiable
    static double synchronizedBlock(double x) {
        synchronized (LOCK) { // REFUSED(synchronizedBlock) a synchronized block (monitorenter) | lock around the AD call instead
            return x * x;
        }
    }

    @Differentiable
    static double lambdaCapture(double x) {
        DoubleSupplier s = () -> x * 2; // REFUSED(lambdaCapture) a lambda or dynamic call capturing a differentiable value, kept as an object | Call a named method instead
        return (lastSupplier = s).getAsDouble();
    }

    @Differentiable
    static double stream(double x) {
        return java.util.stream.DoubleStream.of(x, 2 * x).sorted().map(v -> v * v).sum(); // REFUSED(stream) a stream over differentiable values (DoubleStream.of) | Write it as one such expression, or as a loop
    }

    static final class Point {
        final double x;

        Point(double x) {
            this.x = x;
        }
    }

    static final java.util.List<Point> SEEN = new java.util.ArrayList<>();

    @Differentiable
    static double constructor(double x) {
        Point p = new Point(x); // REFUSED(constructor) a constructor call with differentiable arguments (new Refused.Point(...)): the Refused.Point used on line 94 is passed to List.add, which is not inlined | may hold differentiable values while it stays there
        SEEN.add(p);
        return p.x;
    }

    @Differentiable
    static double valueObject(double x) {
        Point p = new Point(x * x); // ACCEPTED(valueObject) an object that stays in the method is replaced by its fields
        return p.x * x;
    }

    @Differentiable
    static double bits(double x) {
        long b = Double.doubleToRawLongBits(x); // REFUSED(bits) bit reinterpretation of a differentiable value (Double.doubleToRawLongBits) | register a custom rule
        return b > 0 ? x : -x;
    }

    @Differentiable
    static double jdkWithoutRule(double x) {
        return Double.sum(x, 1); // REFUSED(jdkWithoutRule) call of Double.sum with a differentiable argument: it is a JDK method grad4j has no rule for | Register a custom rule
    }

    @Differentiable
    static double opaqueArrayCall(double[] x) {
        java.util.Arrays.parallelPrefix(x, 0, 1, Math::max); // REFUSED(opaqueArrayCall) call of Arrays.parallelPrefix with a differentiable array | do it in a helper that only reads the array and returns indices
        return x[0];
    }

    @Differentiable
    static int returnsInt(double x) {
        return (int) (x * 10);
    }

    @Differentiable
    static double callsDifferentiableInt(double x) {
        return x * returnsInt(x); // ACCEPTED(callsDifferentiableInt) an int result is a step function: its derivative is 0
    }

    static int truncate(double x) {
        return (int) (x * 10);
    }

    @Differentiable
    static double usesIntHelper(double x) {
        return x * truncate(x); // ACCEPTED(usesIntHelper) an int result is a step function: its derivative is 0
    }

    static native double nativeHelper(double x);

    @Differentiable
    static double callsNative(double x) {
        return nativeHelper(x); // REFUSED(callsNative) call of Refused.nativeHelper with a differentiable argument: it is native | Register a custom rule
    }

    static double helperWithTryCatch(double x) {
        try {
            return x * Double.parseDouble("3"); // REFUSED(calledTwoDeep) try/catch | Move the try/catch out
        } catch (NumberFormatException e) {
            return x;
        }
    }

    static double middle(double x) {
        return helperWithTryCatch(x * x) + 1;
    }

    @Differentiable
    static double calledTwoDeep(double x) {
        return middle(x) * 2;
    }

    @Differentiable
    static double formats(double x) {
        String s = String.format("%.3f", x); // ACCEPTED(formats) text carries no derivative; parsing it back is refused (parsesFormatted)
        return x * s.length();
    }

    @Differentiable
    static double parsesFormatted(double x) {
        double y = Double.parseDouble(String.format("%.3f", x)); // REFUSED(parsesFormatted) a number parsed from text (Double.parseDouble) | Keep the double itself
        return y * x;
    }

    static String asText(double x) {
        return Double.toString(x);
    }

    @Differentiable
    static double parsesHelperText(double x) {
        return Double.parseDouble(asText(x)) * x; // REFUSED(parsesHelperText) a number parsed from text (Double.parseDouble) | Keep the double itself
    }

    @Differentiable
    static double scansText(double x) {
        return new java.util.Scanner(String.valueOf(x)).nextDouble() * x; // REFUSED(scansText) a number parsed from text (Scanner.nextDouble) | Keep the double itself
    }

    @Differentiable
    static double castBackFromObject(double x) {
        Object o = x;
        return (Double) o * x; // REFUSED(castBackFromObject) a differentiable value held as an Object and cast back to java.lang.Double | Keep the value a double
    }

    @Differentiable
    static double boxesIntoObjectArray(double x) {
        Object[] kept = {x, "x"}; // REFUSED(boxesIntoObjectArray) a boxed differentiable value stored into an Object[] | Keep the value a primitive double in a double[]
        return (Double) kept[0] * x;
    }

    @Differentiable
    static double storesIntoFieldOrOwn(double x) {
        double[] h = x > 100 ? TABLE : new double[4];
        h[0] = x * x; // REFUSED(storesIntoFieldOrOwn) a differentiable value stored into an array that may be an array grad4j does not track on some path (it is read from field Refused.TABLE) | Write into an array the method makes on every path
        return h[0];
    }

    @Differentiable
    static double arraysIntoList(double x) {
        java.util.List<double[]> states = new java.util.ArrayList<>();
        double[] s = {x, 2 * x};
        states.add(s); // REFUSED(arraysIntoList) call of List.add with a differentiable array | grad4j tracks arrays of arrays, not collections
        return states.get(0)[1];
    }

    @Differentiable
    static double boxesIntoList(double x) {
        java.util.List<Double> l = new java.util.ArrayList<>();
        l.add(x); // REFUSED(boxesIntoList) call of List.add with a differentiable boxed value | pass a primitive double
        return l.get(0) * 2;
    }

    static Double boxedHelper(double x) {
        return x * 3;
    }

    @Differentiable
    static double returnsBoxed(double x) {
        return boxedHelper(x) * x; // REFUSED(returnsBoxed) a call of Refused.boxedHelper that returns java.lang.Double | must return double, float, an array of them, or void
    }

    @Differentiable
    static double derivativeOfADerivative(double x) {
        return org.grad4j.AD.derivative(v -> v * v * x, 1.0); // REFUSED(derivativeOfADerivative) a lambda or dynamic call capturing a differentiable value | Call a named method instead
    }

    @Differentiable
    static double returnsObject(double x) {
        return ((double[]) Wrapper.wrap(x))[0] * x; // REFUSED(returnsObject) a call of Wrapper.wrap with differentiable arguments that returns java.lang.Object | Declare the result as what it is
    }

    static void addInto(double[] data, double s) {
        data[0] += s; // REFUSED(helperStoresIntoData) store of a differentiable value into an array grad4j does not track | Allocate the array in the differentiable method
    }

    @Differentiable
    static double helperStoresIntoData(double x) {
        addInto(TABLE, x);
        return x;
    }

    static DoubleSupplier lastSupplier;
}

/** A helper of another class: called, not inlined (a small one of the same class would be inlined, and then work). */
final class Wrapper {
    private Wrapper() {}

    private static double factor = 2; // a private field: code generated for another class cannot reach it, so wrap is called

    static Object wrap(double x) {
        return new double[] {x * factor};
    }
}
