package org.grad4j.runtime;

/**
 * What a method reference to one of {@code Math}'s functions of doubles runs when it is called from differentiated code ({@code DoubleUnaryOperator act =
 * Math::tanh; act.applyAsDouble(z)}): a method of the program's own kind, whose body calls the
 * function, so that grad4j differentiates it by the function's rule, as it does the lambda
 * {@code z -> Math.tanh(z)}. {@link Linker} links such a reference here; there is no JDK code to
 * read for the reference itself.
 */
public final class MathReferences {
    private MathReferences() {}

    /** The functions stood in for, as {@code name + descriptor}: each class's public static methods. */
    private static final java.util.Set<String> MATH = functions(MathReferences.class);
    private static final java.util.Set<String> STRICT = functions(Strict.class);

    private static java.util.Set<String> functions(Class<?> c) {
        return java.util.Arrays.stream(c.getDeclaredMethods())
                .filter(m -> java.lang.reflect.Modifier.isPublic(m.getModifiers()) && java.lang.reflect.Modifier.isStatic(m.getModifiers()))
                .map(m -> m.getName() + Descriptors.of(m))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * The method here that stands for {@code owner.name descriptor} (owner as a binary name), as
     * {owner, name, descriptor, "static"}, or null when there is none: then the reference is
     * refused as before. A reference to {@code StrictMath}'s function runs {@link Strict}'s, which
     * calls StrictMath's (its results may differ from Math's in the last bit).
     */
    static String[] standIn(String owner, String name, String descriptor) {
        Class<?> in = standInClass(owner, name, descriptor);
        return in == null ? null : new String[] {in.getName(), name, descriptor, "static"};
    }

    /** The class whose method stands for {@code owner.name descriptor}, or null (see {@link #standIn}). */
    static Class<?> standInClass(String owner, String name, String descriptor) {
        if (owner.equals("java.lang.Math")) return MATH.contains(name + descriptor) ? MathReferences.class : null;
        if (owner.equals("java.lang.StrictMath")) return STRICT.contains(name + descriptor) ? Strict.class : null;
        return null;
    }

    public static double sin(double x) { return Math.sin(x); }
    public static double cos(double x) { return Math.cos(x); }
    public static double tan(double x) { return Math.tan(x); }
    public static double asin(double x) { return Math.asin(x); }
    public static double acos(double x) { return Math.acos(x); }
    public static double atan(double x) { return Math.atan(x); }
    public static double sinh(double x) { return Math.sinh(x); }
    public static double cosh(double x) { return Math.cosh(x); }
    public static double tanh(double x) { return Math.tanh(x); }
    public static double exp(double x) { return Math.exp(x); }
    public static double expm1(double x) { return Math.expm1(x); }
    public static double log(double x) { return Math.log(x); }
    public static double log10(double x) { return Math.log10(x); }
    public static double log1p(double x) { return Math.log1p(x); }
    public static double sqrt(double x) { return Math.sqrt(x); }
    public static double cbrt(double x) { return Math.cbrt(x); }
    public static double abs(double x) { return Math.abs(x); }
    public static double signum(double x) { return Math.signum(x); }
    public static double floor(double x) { return Math.floor(x); }
    public static double ceil(double x) { return Math.ceil(x); }
    public static double rint(double x) { return Math.rint(x); }
    public static double toRadians(double x) { return Math.toRadians(x); }
    public static double toDegrees(double x) { return Math.toDegrees(x); }
    public static double pow(double x, double y) { return Math.pow(x, y); }
    public static double atan2(double y, double x) { return Math.atan2(y, x); }
    public static double hypot(double x, double y) { return Math.hypot(x, y); }
    public static double max(double x, double y) { return Math.max(x, y); }
    public static double min(double x, double y) { return Math.min(x, y); }

    /** The same functions by {@code StrictMath}, for references to its methods ({@code StrictMath::sin}). */
    public static final class Strict {
        private Strict() {}

        public static double sin(double x) { return StrictMath.sin(x); }
        public static double cos(double x) { return StrictMath.cos(x); }
        public static double tan(double x) { return StrictMath.tan(x); }
        public static double asin(double x) { return StrictMath.asin(x); }
        public static double acos(double x) { return StrictMath.acos(x); }
        public static double atan(double x) { return StrictMath.atan(x); }
        public static double sinh(double x) { return StrictMath.sinh(x); }
        public static double cosh(double x) { return StrictMath.cosh(x); }
        public static double tanh(double x) { return StrictMath.tanh(x); }
        public static double exp(double x) { return StrictMath.exp(x); }
        public static double expm1(double x) { return StrictMath.expm1(x); }
        public static double log(double x) { return StrictMath.log(x); }
        public static double log10(double x) { return StrictMath.log10(x); }
        public static double log1p(double x) { return StrictMath.log1p(x); }
        public static double sqrt(double x) { return StrictMath.sqrt(x); }
        public static double cbrt(double x) { return StrictMath.cbrt(x); }
        public static double abs(double x) { return StrictMath.abs(x); }
        public static double signum(double x) { return StrictMath.signum(x); }
        public static double floor(double x) { return StrictMath.floor(x); }
        public static double ceil(double x) { return StrictMath.ceil(x); }
        public static double rint(double x) { return StrictMath.rint(x); }
        public static double toRadians(double x) { return StrictMath.toRadians(x); }
        public static double toDegrees(double x) { return StrictMath.toDegrees(x); }
        public static double pow(double x, double y) { return StrictMath.pow(x, y); }
        public static double atan2(double y, double x) { return StrictMath.atan2(y, x); }
        public static double hypot(double x, double y) { return StrictMath.hypot(x, y); }
        public static double max(double x, double y) { return StrictMath.max(x, y); }
        public static double min(double x, double y) { return StrictMath.min(x, y); }
    }
}
