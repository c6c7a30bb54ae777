package org.grad4j.fuzz.run;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.grad4j.AD;
import org.grad4j.ArrayFunction;
import org.grad4j.Differentiable;
import org.grad4j.Gradients;
import org.grad4j.TransformException;
import org.grad4j.ValueAndGradient;
import org.grad4j.VectorFunction;
import org.grad4j.fuzz.oracle.D;
import org.grad4j.fuzz.oracle.Degenerate;
import org.grad4j.fuzz.oracle.LargestFactor;
import org.grad4j.fuzz.oracle.F;

/**
 * One program, checked: the plain class's {@code @Differentiable} method differentiated by grad4j
 * ({@code AD.gradient(Method, ...)}) against its dual twin run once per input direction.
 *
 * <p>Checked: the value grad4j reports equals a plain call's, bit for bit; the arrays passed in
 * hold afterwards what a plain call leaves; each gradient entry g matches the oracle's derivative
 * d within {@code TOLERANCE · m} (m: the oracle's magnitude bound); a refusal names the class,
 * the method and a source line of this file, and says what to do.
 */
public final class Check {
    private Check() {}

    public enum Status {
        /** grad4j agrees with the oracle. */
        PASS,
        /** grad4j refused the program with a well-formed TransformException. */
        REFUSED,
        /** The oracle met a kink, a tie or a non-finite value: not comparable at this point. */
        DEGENERATE,
        /** The program itself is broken (a generator bug): the plain call threw, or the oracle disagrees with it. */
        INVALID,
        /** grad4j is wrong: gradient, value, side effects, an unexpected exception, or a malformed refusal. */
        FAIL
    }

    /**
     * @param kind for FAIL: gradient, value, arrays, exception, refusal-message; for REFUSED: the construct
     */
    public record Result(Status status, String kind, String detail) {
        static Result of(Status s, String kind, String detail) {
            return new Result(s, kind, detail);
        }

        @Override
        public String toString() {
            return status + (kind == null ? "" : " [" + kind + "]") + (detail == null ? "" : ": " + detail);
        }
    }

    /** The {@code @Differentiable} method of a generated class. */
    public static Method entry(Class<?> plain) {
        for (Method m : plain.getDeclaredMethods()) if (m.isAnnotationPresent(Differentiable.class)) return m;
        throw new IllegalArgumentException(plain + " has no @Differentiable method");
    }

    public static Result run(Class<?> plain, Class<?> dual) {
        Method f = entry(plain);
        Method g;
        Object[] args;
        double tolerance;
        try {
            g = findDual(dual, f.getName());
            Method argsMethod = dual.getDeclaredMethod("args");
            argsMethod.setAccessible(true);
            args = (Object[]) argsMethod.invoke(null);
            java.lang.reflect.Field t = dual.getDeclaredField("TOLERANCE");
            t.setAccessible(true);
            tolerance = t.getDouble(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("not a generated pair: " + plain + ", " + dual, e);
        }
        f.setAccessible(true);
        g.setAccessible(true);
        boolean instance = !java.lang.reflect.Modifier.isStatic(f.getModifiers());
        Object receiver, dualReceiver;
        try {
            receiver = instance ? newInstance(plain) : null;
            dualReceiver = instance ? newInstance(dual) : null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot make a receiver for " + f, e);
        }

        // 1. the plain call: value and side effects
        Object[] plainArgs = deepCopy(args);
        double value;
        try {
            value = ((Number) f.invoke(receiver, plainArgs)).doubleValue();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalStateException ise && String.valueOf(ise.getMessage()).startsWith("NaN")) {
                return Result.of(Status.DEGENERATE, null, "value NaN");
            }
            return Result.of(Status.INVALID, "plain call threw", String.valueOf(e.getCause()));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        if (!Double.isFinite(value)) return Result.of(Status.DEGENERATE, null, "value " + value);

        // 2. the oracle, one direction per scalar input
        List<double[]> oracle = new ArrayList<>(); // {d, m} per direction
        LargestFactor.reset();
        try {
            int directions = directions(args);
            for (int dir = 0; dir < directions; dir++) {
                Object r = g.invoke(dualReceiver, dualArgs(args, dir));
                double v, d, m;
                if (r instanceof D x) {
                    v = x.v; d = x.d; m = x.m;
                } else {
                    F x = (F) r;
                    v = x.v; d = x.d; m = x.m;
                }
                if (Double.doubleToLongBits(v) != Double.doubleToLongBits(value)) {
                    return Result.of(Status.INVALID, "oracle value", "dual " + v + " ≠ plain " + value);
                }
                oracle.add(new double[] {d, m});
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Degenerate dg) return Result.of(Status.DEGENERATE, null, dg.getMessage());
            return Result.of(Status.INVALID, "oracle threw", String.valueOf(e.getCause()));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }

        // 3. grad4j
        Object[] adArgs = deepCopy(args);
        Gradients grads;
        try {
            grads = AD.gradient(f, receiver, adArgs);
        } catch (TransformException e) {
            String problem = malformedRefusal(plain, e.getMessage());
            if (problem != null) return Result.of(Status.FAIL, "refusal-message", problem + ": " + e.getMessage());
            return Result.of(Status.REFUSED, construct(e.getMessage()), e.getMessage());
        } catch (Throwable e) {
            return Result.of(Status.FAIL, "exception", describe(e));
        }
        if (Double.doubleToLongBits(grads.value()) != Double.doubleToLongBits(value)) {
            return Result.of(Status.FAIL, "value", "grad4j value " + grads.value() + ", plain call " + value);
        }
        for (int i = 0; i < args.length; i++) {
            if (!Arrays.deepEquals(new Object[] {plainArgs[i]}, new Object[] {adArgs[i]})) {
                return Result.of(Status.FAIL, "arrays", "argument " + i + " after the gradient call: "
                        + Arrays.deepToString(new Object[] {adArgs[i]}) + ", after a plain call: "
                        + Arrays.deepToString(new Object[] {plainArgs[i]}));
            }
        }
        String shape = shapeMismatch(grads, args);
        if (shape != null) return Result.of(Status.FAIL, "gradient-shape", shape);
        double[] flat = flatten(grads, args);
        StringBuilder bad = new StringBuilder();
        for (int dir = 0; dir < flat.length; dir++) {
            double d = oracle.get(dir)[0], m = oracle.get(dir)[1];
            double got = flat[dir];
            if (!Double.isFinite(got) && LargestFactor.get() > LargestFactor.OVERFLOW_RISK) {
                return Result.of(Status.DEGENERATE, null, "a reverse adjoint may overflow: the program meets "
                        + LargestFactor.get() + "; grad4j " + got + ", oracle " + d);
            }
            if (!(Math.abs(got - d) <= tolerance * m + 1e-300)) {
                bad.append(bad.length() == 0 ? "" : "; ").append(directionName(f, args, dir)).append(": grad4j ")
                        .append(got).append(", oracle ").append(d).append(" (bound ").append(m).append(')');
            }
        }
        if (bad.length() > 0) return Result.of(Status.FAIL, "gradient", bad.toString());
        Result viaLambda = lambda(plain, f, args, value, oracle, tolerance);
        if (viaLambda.status() != Status.PASS) return viaLambda;
        return arrays(plain, dual, tolerance);
    }

    /**
     * When the class offers {@code asArrayFunction()}: {@code AD.jacobian} and {@code AD.vjp} of a
     * helper returning an array, against the dual twin run once per input element (a column of
     * the Jacobian each). The point passed in must be left unchanged.
     */
    private static Result arrays(Class<?> plain, Class<?> dual, double tolerance) {
        Method as = null, twin = null, pointAndSeed = null;
        for (Method m : plain.getDeclaredMethods()) if (m.getName().equals("asArrayFunction")) as = m;
        if (as == null) return Result.of(Status.PASS, null, null);
        for (Method m : dual.getDeclaredMethods()) {
            if (m.getName().equals("arrayFunction")) twin = m;
            if (m.getName().equals("arrayPointAndSeed")) pointAndSeed = m;
        }
        double[] x, seed;
        double[][] columns; // columns[k][i] = d out_i / d x_k, and the bounds
        double[][] bounds;
        try {
            twin.setAccessible(true);
            pointAndSeed.setAccessible(true);
            double[][] ps = (double[][]) pointAndSeed.invoke(null);
            x = ps[0];
            seed = ps[1];
            columns = new double[x.length][];
            bounds = new double[x.length][];
            for (int k = 0; k < x.length; k++) {
                D[] out = (D[]) twin.invoke(null, (Object) D.inputs(x, k));
                columns[k] = new double[out.length];
                bounds[k] = new double[out.length];
                for (int i = 0; i < out.length; i++) {
                    columns[k][i] = out[i].d;
                    bounds[k][i] = out[i].m;
                }
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Degenerate dg) return Result.of(Status.DEGENERATE, null, dg.getMessage());
            return Result.of(Status.INVALID, "array oracle threw", String.valueOf(e.getCause()));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        double[][] jacobian;
        double[] vjp;
        double[] point = x.clone();
        try {
            as.setAccessible(true);
            ArrayFunction fn = (ArrayFunction) as.invoke(null);
            jacobian = AD.jacobian(fn, point);
            vjp = AD.vjp(fn, x.clone(), seed.clone());
        } catch (TransformException e) {
            String problem = malformedRefusal(plain, e.getMessage());
            if (problem != null) return Result.of(Status.FAIL, "refusal-message", problem + ": " + e.getMessage());
            return Result.of(Status.REFUSED, "(jacobian) " + construct(e.getMessage()), e.getMessage());
        } catch (Throwable e) {
            return Result.of(Status.FAIL, "jacobian", describe(e));
        }
        if (!Arrays.equals(point, x)) {
            return Result.of(Status.FAIL, "jacobian", "AD.jacobian changed its point: " + Arrays.toString(x) + " → " + Arrays.toString(point));
        }
        int m = columns.length == 0 ? 0 : columns[0].length;
        if (jacobian.length != m) return Result.of(Status.FAIL, "jacobian", "jacobian has " + jacobian.length + " rows, the function " + m + " outputs");
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < x.length; k++) {
                if (jacobian[i].length != x.length) {
                    return Result.of(Status.FAIL, "jacobian", "row " + i + " has " + jacobian[i].length + " columns, x has " + x.length);
                }
                if (!(Math.abs(jacobian[i][k] - columns[k][i]) <= tolerance * bounds[k][i] + 1e-300)) {
                    bad.append(bad.length() == 0 ? "" : "; ").append("J[").append(i).append("][").append(k).append("]: grad4j ")
                            .append(jacobian[i][k]).append(", oracle ").append(columns[k][i]);
                }
            }
        }
        for (int k = 0; k < x.length && seed.length == m; k++) {
            double e = 0, b = 0;
            for (int i = 0; i < m; i++) {
                e += seed[i] * columns[k][i];
                b += Math.abs(seed[i]) * bounds[k][i];
            }
            if (!(Math.abs(vjp[k] - e) <= tolerance * b + 1e-300)) {
                bad.append(bad.length() == 0 ? "" : "; ").append("vjp[").append(k).append("]: grad4j ").append(vjp[k])
                        .append(", oracle ").append(e);
            }
        }
        return bad.length() > 0 ? Result.of(Status.FAIL, "jacobian", bad.toString()) : Result.of(Status.PASS, null, null);
    }

    /**
     * When the class offers {@code asLambda(data...)}: the gradient through a capturing lambda
     * ({@code AD.valueAndGradient(VectorFunction, x)}) with respect to the double and float
     * parameters, the other arguments captured as data; and {@code AD.gradient} of the same, which
     * does not want the value (generated code may skip what only forms it) and must give the same
     * gradient to the bit.
     */
    private static Result lambda(Class<?> plain, Method f, Object[] args, double value, List<double[]> oracle, double tolerance) {
        Method as = null;
        for (Method m : plain.getDeclaredMethods()) if (m.getName().equals("asLambda")) as = m;
        if (as == null) return Result.of(Status.PASS, null, null);
        List<Object> data = captured(deepCopy(args));
        List<Double> x = new ArrayList<>();
        List<Integer> directionOf = new ArrayList<>();
        int k = 0;
        for (Object a : args) {
            if (a instanceof Double d) {
                x.add(d);
                directionOf.add(k++);
            } else if (a instanceof Float fl) {
                x.add((double) fl);
                directionOf.add(k++);
            } else {
                k += directions(new Object[] {a});
            }
        }
        ValueAndGradient vg;
        double[] gradientOnly;
        try {
            as.setAccessible(true);
            VectorFunction fn = (VectorFunction) as.invoke(null, data.toArray());
            double[] point = new double[x.size()];
            for (int i = 0; i < point.length; i++) point[i] = x.get(i);
            double[] samePoint = point.clone();
            vg = AD.valueAndGradient(fn, point);
            List<Object> freshData = captured(deepCopy(args)); // the first call may have written its data
            gradientOnly = AD.gradient((VectorFunction) as.invoke(null, freshData.toArray()), samePoint);
        } catch (TransformException e) {
            // Captured arrays are data to AD, except work arrays (filled with differentiable values:
            // they get a shadow of their own); what is still refused here is refused in this form only.
            String problem = malformedRefusal(plain, e.getMessage());
            if (problem != null) return Result.of(Status.FAIL, "refusal-message", problem + ": " + e.getMessage());
            return Result.of(Status.REFUSED, "(through a lambda) " + construct(e.getMessage()), e.getMessage());
        } catch (InvocationTargetException e) {
            return Result.of(Status.INVALID, "asLambda threw", String.valueOf(e.getCause()));
        } catch (Throwable e) {
            return Result.of(Status.FAIL, "lambda", describe(e));
        }
        if (Double.doubleToLongBits(vg.value()) != Double.doubleToLongBits(value)) {
            return Result.of(Status.FAIL, "lambda", "value through the lambda " + vg.value() + ", plain call " + value);
        }
        if (!java.util.Arrays.equals(vg.gradient(), gradientOnly)) {
            return Result.of(Status.FAIL, "lambda", "AD.gradient " + java.util.Arrays.toString(gradientOnly)
                    + ", AD.valueAndGradient " + java.util.Arrays.toString(vg.gradient()));
        }
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < x.size(); i++) {
            double[] o = oracle.get(directionOf.get(i));
            if (!(Math.abs(vg.gradient()[i] - o[0]) <= tolerance * o[1] + 1e-300)) {
                bad.append(bad.length() == 0 ? "" : "; ").append(directionName(f, args, directionOf.get(i)))
                        .append(" through the lambda: grad4j ").append(vg.gradient()[i]).append(", oracle ").append(o[0]);
            }
        }
        return bad.length() > 0 ? Result.of(Status.FAIL, "lambda", bad.toString()) : Result.of(Status.PASS, null, null);
    }

    /** The arguments a lambda captures as data: all but the double and float ones, which are its point. */
    private static List<Object> captured(Object[] args) {
        List<Object> data = new ArrayList<>();
        for (Object a : args) if (!(a instanceof Double) && !(a instanceof Float)) data.add(a);
        return data;
    }

    private static Object newInstance(Class<?> c) throws ReflectiveOperationException {
        var ctor = c.getDeclaredConstructor();
        ctor.setAccessible(true);
        return ctor.newInstance();
    }

    private static Method findDual(Class<?> dual, String name) throws NoSuchMethodException {
        for (Method m : dual.getDeclaredMethods()) if (m.getName().equals(name)) return m;
        throw new NoSuchMethodException(dual.getName() + "." + name);
    }

    /** Null when the message names class, method, a line of this file and a remedy; else what is missing. */
    static String malformedRefusal(Class<?> plain, String message) {
        if (message == null) return "no message";
        String simple = plain.getSimpleName();
        if (!message.startsWith("grad4j cannot differentiate " + plain.getName() + ".")) return "does not name the class and method";
        if (!message.matches("(?s)[^\\n]*\\(" + simple + "\\.java:\\d+\\).*")) return "does not name the source line";
        int colon = message.indexOf("): ");
        String rest = colon < 0 ? "" : message.substring(colon + 3);
        int end = rest.indexOf(". ");
        if (end < 0 || rest.length() - end < 20) return "does not say what to do instead";
        return null;
    }

    /** The construct a refusal names: its text between "): " and the first ". ". */
    static String construct(String message) {
        int colon = message.indexOf("): ");
        if (colon < 0) return message;
        String rest = message.substring(colon + 3);
        int end = rest.indexOf(". ");
        String c = end < 0 ? rest : rest.substring(0, end);
        return c.replaceAll("\\(.*", "").trim();
    }

    /** The source line a refusal names in its first line, or -1. */
    public static int refusalLine(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^[^\\n]*?\\.java:(\\d+)\\)").matcher(message);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (StackTraceElement s : e.getStackTrace()) {
            sb.append("\n    at ").append(s);
            if (sb.length() > 1500) break;
        }
        if (e.getCause() != null && e.getCause() != e) sb.append("\ncaused by ").append(e.getCause());
        return sb.toString();
    }

    // ---- inputs and directions ----

    static Object[] deepCopy(Object[] args) {
        Object[] c = args.clone();
        for (int i = 0; i < c.length; i++) {
            if (c[i] instanceof double[] v) c[i] = v.clone();
            else if (c[i] instanceof double[][] m) {
                double[][] k = new double[m.length][];
                for (int r = 0; r < m.length; r++) k[r] = m[r].clone();
                c[i] = k;
            }
        }
        return c;
    }

    /** One direction per double/float argument and per element of each array argument, in order. */
    static int directions(Object[] args) {
        int n = 0;
        for (Object a : args) {
            if (a instanceof Double || a instanceof Float) n++;
            else if (a instanceof double[] v) n += v.length;
            else if (a instanceof double[][] m) for (double[] r : m) n += r.length;
        }
        return n;
    }

    static Object[] dualArgs(Object[] args, int direction) {
        Object[] out = new Object[args.length];
        int k = 0;
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Double d) {
                out[i] = D.input(d, k++ == direction);
            } else if (a instanceof Float f) {
                out[i] = F.input(f, k++ == direction);
            } else if (a instanceof double[] v) {
                out[i] = D.inputs(v, direction - k);
                k += v.length;
            } else if (a instanceof double[][] m) {
                D[][] rows = new D[m.length][];
                for (int r = 0; r < m.length; r++) {
                    rows[r] = D.inputs(m[r], direction - k);
                    k += m[r].length;
                }
                out[i] = rows;
            } else {
                out[i] = a;
            }
        }
        return out;
    }

    /** Null when every array gradient has its argument's shape. */
    static String shapeMismatch(Gradients g, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i], gi = g.get(i);
            if (a instanceof double[] v && gi != null && ((double[]) gi).length != v.length) {
                return "gradient of argument " + i + " has length " + ((double[]) gi).length + ", the argument " + v.length;
            }
            if (a instanceof double[][] m && gi != null) {
                double[][] gm = (double[][]) gi;
                if (gm.length != m.length) return "gradient of argument " + i + " has " + gm.length + " rows, the argument " + m.length;
                for (int r = 0; r < m.length; r++) {
                    if (gm[r] == null || gm[r].length != m[r].length) {
                        return "gradient of argument " + i + " row " + r + " has length "
                                + (gm[r] == null ? "null" : gm[r].length) + ", the argument's row " + m[r].length
                                + ": " + Arrays.deepToString(gm);
                    }
                }
            }
        }
        return null;
    }

    /** grad4j's gradient in direction order. */
    static double[] flatten(Gradients g, Object[] args) {
        double[] out = new double[directions(args)];
        int k = 0;
        for (int i = 0; i < args.length; i++) {
            Object a = args[i], gi = g.get(i);
            if (a instanceof Double || a instanceof Float) {
                out[k++] = gi == null ? 0 : ((Number) gi).doubleValue();
            } else if (a instanceof double[] v) {
                for (int j = 0; j < v.length; j++) out[k++] = gi == null ? 0 : ((double[]) gi)[j];
            } else if (a instanceof double[][] m) {
                for (int r = 0; r < m.length; r++) {
                    for (int j = 0; j < m[r].length; j++) out[k++] = gi == null ? 0 : ((double[][]) gi)[r][j];
                }
            }
        }
        return out;
    }

    static String directionName(Method f, Object[] args, int direction) {
        int k = 0;
        for (int i = 0; i < args.length; i++) {
            String name = f.getParameters()[i].getName();
            Object a = args[i];
            if (a instanceof Double || a instanceof Float) {
                if (k++ == direction) return "d/d" + name;
            } else if (a instanceof double[] v) {
                if (direction < k + v.length) return "d/d" + name + "[" + (direction - k) + "]";
                k += v.length;
            } else if (a instanceof double[][] m) {
                for (int r = 0; r < m.length; r++) {
                    if (direction < k + m[r].length) return "d/d" + name + "[" + r + "][" + (direction - k) + "]";
                    k += m[r].length;
                }
            }
        }
        return "direction " + direction;
    }
}
