package org.grad4j.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks every rule of {@code java.lang.Math} (and {@code StrictMath}) in the global table
 * against central finite differences of the primitive itself, at random points of a domain
 * chosen per function (JAX's {@code lax_autodiff_test} habit). A rule without a domain here
 * fails: adding a rule means adding its domain.
 */
class MathRulesTest {
    private static final int POINTS = 12;
    private static final long SEED = 20240611L;

    /** Draws one argument. Integer arguments are drawn as whole doubles and converted. */
    interface Sampler {
        double next(Random r);
    }

    /** Where a primitive is tested: a sampler per argument, a filter away from kinks and jumps, a tolerance. */
    record Domain(Sampler[] args, Predicate<double[]> accept, double tolerance) {
        Domain tolerance(double t) {
            return new Domain(args, accept, t);
        }
    }

    private static Sampler uniform(double lo, double hi) {
        return r -> lo + (hi - lo) * r.nextDouble();
    }

    /** Uniform in (-m, m) but at least {@code gap} away from 0. */
    private static Sampler awayFromZero(double m, double gap) {
        return r -> {
            double v = gap + (m - gap) * r.nextDouble();
            return r.nextBoolean() ? v : -v;
        };
    }

    private static Sampler integers(int lo, int hi) {
        return r -> lo + r.nextInt(hi - lo + 1);
    }

    private static Domain on(Sampler... args) {
        return new Domain(args, a -> true, 0);
    }

    private static Domain where(Predicate<double[]> accept, Sampler... args) {
        return new Domain(args, accept, 0);
    }

    private static double distanceToInteger(double v) {
        return Math.abs(v - Math.rint(v));
    }

    /** Domains keyed by name + descriptor; float overloads share them (arguments are narrowed). */
    static final Map<String, Domain> DOMAINS = new HashMap<>();

    static {
        Sampler wide = uniform(-10, 10);
        put(on(wide), "sin(D)D", "cos(D)D", "atan(D)D", "nextUp(D)D", "nextDown(D)D", "nextUp(F)F", "nextDown(F)F");
        put(on(uniform(-1.4, 1.4)), "tan(D)D");
        put(on(uniform(-0.95, 0.95)), "asin(D)D", "acos(D)D");
        put(on(awayFromZero(3, 0.1), uniform(-3, 3)), "atan2(DD)D");
        put(on(uniform(-400, 400)), "toRadians(D)D", "toDegrees(D)D");
        put(on(uniform(-5, 5)), "sinh(D)D", "cosh(D)D", "tanh(D)D", "expm1(D)D");
        put(on(wide), "exp(D)D");
        put(on(uniform(0.05, 100)), "log(D)D", "log10(D)D", "sqrt(D)D");
        put(on(uniform(-0.9, 10)), "log1p(D)D");
        put(on(awayFromZero(10, 0.05)), "cbrt(D)D");
        put(on(uniform(0.1, 5), uniform(-3, 3)), "pow(DD)D");
        put(where(a -> Math.hypot(a[0], a[1]) > 0.1, uniform(-5, 5), uniform(-5, 5)), "hypot(DD)D");
        put(on(wide, integers(-20, 20)), "scalb(DI)D", "scalb(FI)F");
        put(on(wide, wide, wide), "fma(DDD)D");
        put(on(wide, wide, wide).tolerance(2e-3), "fma(FFF)F"); // float rounding of y over a 1e-2 step
        put(where(a -> distanceToInteger(a[0] / a[1]) < 0.45, uniform(-20, 20), awayFromZero(4, 0.5)),
                "IEEEremainder(DD)D");
        put(on(awayFromZero(10, 0.1)), "abs(D)D", "abs(F)F", "signum(D)D", "signum(F)F");
        put(on(awayFromZero(10, 0.1), awayFromZero(10, 0.1)), "copySign(DD)D", "copySign(FF)F");
        Predicate<double[]> apart = a -> Math.abs(a[0] - a[1]) > 0.1;
        put(where(apart, wide, wide), "max(DD)D", "min(DD)D", "max(FF)F", "min(FF)F", "nextAfter(DD)D", "nextAfter(FD)F");
        put(where(a -> distanceToInteger(a[0]) > 0.01, wide), "floor(D)D", "ceil(D)D");
        put(where(a -> distanceToInteger(a[0] + 0.5) > 0.01, wide), "rint(D)D");
        put(where(a -> Math.getExponent(a[0] * 0.98) == Math.getExponent(a[0] * 1.02), awayFromZero(10, 0.1)),
                "ulp(D)D", "ulp(F)F");
    }

    private static void put(Domain d, String... keys) {
        for (String k : keys) DOMAINS.put(k, d);
    }

    // ---------------------------------------------------------------- table-driven checks

    @TestFactory
    Stream<DynamicTest> everyMathRuleMatchesFiniteDifferences() {
        return dynamicChecks("java/lang/Math");
    }

    @TestFactory
    Stream<DynamicTest> everyStrictMathRuleMatchesFiniteDifferences() {
        return dynamicChecks("java/lang/StrictMath");
    }

    private static Stream<DynamicTest> dynamicChecks(String owner) {
        List<Rule> rules = rulesOf(RuleTable.global(), owner);
        assertTrue(rules.size() > 40, "expected the full Math rule set for " + owner + ", found " + rules.size());
        return rules.stream().map(rule -> DynamicTest.dynamicTest(rule.name() + rule.descriptor(), () -> {
            List<String> failures = check(rule, DOMAINS.get(rule.name() + rule.descriptor()));
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }));
    }

    private static List<Rule> rulesOf(RuleTable table, String owner) {
        return table.all().stream().filter(r -> r.owner().equals(owner))
                .sorted(Comparator.comparing(r -> r.name() + r.descriptor())).toList();
    }

    /** Every public static Math function of doubles/floats that returns a double/float has a rule. */
    @Test
    void everyMathFunctionOfDoublesHasARule() {
        List<String> missing = new ArrayList<>();
        for (Method m : Math.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) || !isFloating(m.getReturnType())) continue;
            boolean anyFloating = false;
            for (Class<?> p : m.getParameterTypes()) anyFloating |= isFloating(p);
            if (!anyFloating) continue; // random(): no argument to differentiate
            String desc = org.grad4j.runtime.Descriptors.of(m);
            if (RuleTable.global().lookup("java/lang/Math", m.getName(), desc) == null) missing.add(m.getName() + desc);
        }
        assertTrue(missing.isEmpty(), "Math functions without a rule: " + missing);
    }

    /** The same rules answer for StrictMath and the FastMath look-alikes, matched by name. */
    @Test
    void strictMathAndFastMathOwnersAreRegistered() throws Exception {
        RuleTable table = RuleTable.global();
        for (Rule rule : rulesOf(table, "java/lang/Math")) {
            for (String owner : List.of("org/apache/commons/math3/util/FastMath", "org/hipparchus/util/FastMath",
                    "org/apache/commons/math4/core/jdkmath/AccurateMath")) {
                assertNotNull(table.lookup(owner, rule.name(), rule.descriptor()), owner + " lacks " + rule);
            }
            if (primitive(rule.name(), rule.descriptor(), StrictMath.class) != null) {
                assertNotNull(table.lookup("java/lang/StrictMath", rule.name(), rule.descriptor()), "StrictMath lacks " + rule);
            }
        }
        assertNotNull(table.lookup("org/apache/commons/math3/util/FastMath", "pow", "(DI)D"));
        assertNotNull(table.lookup("org/hipparchus/util/FastMath", "pow", "(DJ)D"));
    }

    /** FastMath's integer powers have no java.lang.Math twin to call; check them against Math.pow. */
    @Test
    void fastMathIntegerPowers() throws Exception {
        Rule rule = RuleTable.global().lookup("org/hipparchus/util/FastMath", "pow", "(DI)D");
        Method adjoint = adjointMethod(rule.adjoint(0));
        Random r = new Random(SEED);
        for (int i = 0; i < POINTS; i++) {
            double x = -3 + 6 * r.nextDouble();
            int n = r.nextInt(9) - 4;
            double h = 1e-6 * Math.max(1, Math.abs(x));
            double fd = (Math.pow(x + h, n) - Math.pow(x - h, n)) / (2 * h);
            double ad = (double) adjoint.invoke(null, x, n, Math.pow(x, n), 1.0);
            assertEquals(fd, ad, 1e-5 * Math.max(1, Math.abs(fd)), "pow(" + x + ", " + n + ")");
        }
    }

    // ---------------------------------------------------------------- the checker must be able to fail

    @RulesFor("java/lang/Math")
    static final class WrongRules {
        @Adjoint(of = "sin")
        static double sin(double x, double y, double dy) { return dy * Math.sin(x); } // should be cos

        @Adjoint(of = "sqrt")
        static double sqrt(double x, double y, double dy) { return dy * 0.5 / y; } // right, but see below
    }

    @Test
    void checkerCatchesAWrongRuleAndAMissingDomain() {
        RuleTable table = new RuleTable();
        table.registerAll(WrongRules.class);
        Rule sin = table.lookup("java/lang/Math", "sin", "(D)D");
        assertFalse(check(sin, DOMAINS.get("sin(D)D")).isEmpty(), "a wrong sin adjoint went unnoticed");
        Rule sqrt = table.lookup("java/lang/Math", "sqrt", "(D)D");
        assertTrue(check(sqrt, DOMAINS.get("sqrt(D)D")).isEmpty());
        assertFalse(check(sqrt, null).isEmpty(), "a rule without a domain must fail");
        // a rule that claims a zero derivative where there is none
        Rule zeroSin = new Rule("java/lang/Math", "sin", "(D)D", new Rule.AdjointMethod[1]);
        assertFalse(check(zeroSin, DOMAINS.get("sin(D)D")).isEmpty(), "a wrong zero derivative went unnoticed");
    }

    // ---------------------------------------------------------------- conventions at kinks

    @Test
    void conventionsWhereTheDerivativeDoesNotExist() {
        assertEquals(0, MathRules.abs(0.0, 0.0, 1.0));
        assertEquals(0, MathRules.abs(-0.0f, 0.0f, 1.0));
        assertEquals(1, MathRules.max0(2.0, 2.0, 2.0, 1.0), "max tie goes to the first argument");
        assertEquals(0, MathRules.max1(2.0, 2.0, 2.0, 1.0));
        assertEquals(1, MathRules.min0(-0.0, 0.0, Math.min(-0.0, 0.0), 1.0));
        assertEquals(1, MathRules.max0(Double.NaN, 1.0, Double.NaN, 1.0), "NaN argument gets the adjoint");
        assertEquals(1, MathRules.min1(1.0, Double.NaN, Double.NaN, 1.0));
        assertEquals(0, MathRules.powExponent(0.0, 2.0, 0.0, 1.0));
        assertEquals(0, MathRules.powExponent(-2.0, 2.0, 4.0, 1.0));
        assertEquals(0, MathRules.powBase(0.0, 0.0, 1.0, 1.0));
        assertEquals(0, MathRules.sqrt(0.0, 0.0, 0.0), "a zero adjoint stays zero at an infinite derivative");
        assertEquals(Double.POSITIVE_INFINITY, MathRules.sqrt(0.0, 0.0, 1.0));
        assertEquals(0, MathRules.log(0.0, Double.NEGATIVE_INFINITY, 0.0));
        assertEquals(0, MathRules.asin(1.0, Math.PI / 2, 0.0));
        assertEquals(0, MathRules.atan2Y(0.0, 0.0, 0.0, 1.0));
        assertEquals(0, MathRules.hypotX(0.0, 0.0, 0.0, 1.0));
        assertEquals(0, MathRules.copySign(0.0, -1.0, -0.0, 1.0));
        assertEquals(-1, MathRules.copySign(2.0, -1.0, -2.0, 1.0));
        assertEquals(1, MathRules.copySign(-2.0, -1.0, -2.0, 1.0));
        assertEquals(Math.scalb(1.5, 1000), MathRules.scalb(1e-300, 1000, Math.scalb(1e-300, 1000), 1.5),
                "scalb's adjoint scales dy, not 2^s, so it stays finite");
    }

    // ---------------------------------------------------------------- the checker

    /** All disagreements of a rule with finite differences of its primitive; empty when it passes. */
    static List<String> check(Rule rule, Domain domain) {
        List<String> failures = new ArrayList<>();
        String name = rule.owner() + "." + rule.name() + rule.descriptor();
        if (domain == null) {
            failures.add(name + ": no test domain; add one to MathRulesTest.DOMAINS");
            return failures;
        }
        try {
            Class<?> owner = Class.forName(rule.owner().replace('/', '.'));
            Method primitive = primitive(rule.name(), rule.descriptor(), owner);
            if (primitive == null) {
                failures.add(name + ": no such method on " + owner.getName());
                return failures;
            }
            Class<?>[] types = primitive.getParameterTypes();
            assertEquals(types.length, rule.arity(), name + " arity");
            Method[] adjoints = new Method[types.length];
            for (int i = 0; i < types.length; i++) {
                if (rule.adjoint(i) == null) continue;
                if (!isFloating(types[i])) failures.add(name + ": an adjoint for non-floating argument " + i);
                adjoints[i] = adjointMethod(rule.adjoint(i));
            }
            boolean floatRule = primitive.getReturnType() == float.class;
            double tolerance = domain.tolerance() > 0 ? domain.tolerance() : floatRule ? 1e-4 : 1e-6;
            Random random = new Random(SEED ^ name.hashCode());
            for (int p = 0; p < POINTS; p++) {
                double[] point = sample(domain, random, types);
                double dy = 0.5 + 1.5 * random.nextDouble();
                Object y = primitive.invoke(null, box(point, types));
                for (int i = 0; i < types.length; i++) {
                    if (!isFloating(types[i])) continue;
                    double fd = dy * centralDifference(primitive, point, types, i);
                    double ad = adjoints[i] == null ? 0 : (double) adjoints[i].invoke(null, withResult(point, types, y, dy));
                    if (!(Math.abs(ad - fd) <= tolerance * Math.max(1, Math.abs(fd)))) {
                        failures.add(name + " d/darg" + i + " at " + java.util.Arrays.toString(point)
                                + ": adjoint " + ad + ", finite difference " + fd);
                    }
                }
            }
        } catch (ReflectiveOperationException e) {
            Throwable t = e instanceof InvocationTargetException ? e.getCause() : e;
            failures.add(name + ": " + t);
        }
        return failures;
    }

    private static double[] sample(Domain domain, Random random, Class<?>[] types) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            double[] point = new double[types.length];
            for (int i = 0; i < point.length; i++) {
                double v = domain.args()[i].next(random);
                point[i] = types[i] == float.class ? (float) v : v; // test at the exact argument used
            }
            if (domain.accept().test(point)) return point;
        }
        throw new AssertionError("domain filter rejects everything");
    }

    /** (f(x+h) - f(x-h)) / (actual step), with the step taken in the argument's own precision. */
    private static double centralDifference(Method f, double[] point, Class<?>[] types, int i)
            throws ReflectiveOperationException {
        double x = point[i];
        boolean single = types[i] == float.class;
        double h = (single ? 1e-2 : 1e-6) * Math.max(1, Math.abs(x));
        double[] plus = point.clone();
        double[] minus = point.clone();
        plus[i] = single ? (float) (x + h) : x + h;
        minus[i] = single ? (float) (x - h) : x - h;
        double fp = ((Number) f.invoke(null, box(plus, types))).doubleValue();
        double fm = ((Number) f.invoke(null, box(minus, types))).doubleValue();
        return (fp - fm) / (plus[i] - minus[i]);
    }

    private static Object[] box(double[] point, Class<?>[] types) {
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) args[i] = box(point[i], types[i]);
        return args;
    }

    private static Object box(double v, Class<?> type) {
        if (type == double.class) return v;
        if (type == float.class) return (float) v;
        if (type == int.class) return (int) v;
        if (type == long.class) return (long) v;
        throw new IllegalArgumentException("unexpected argument type " + type);
    }

    private static Object[] withResult(double[] point, Class<?>[] types, Object y, double dy) {
        Object[] args = new Object[types.length + 2];
        System.arraycopy(box(point, types), 0, args, 0, types.length);
        args[types.length] = y;
        args[types.length + 1] = dy;
        return args;
    }

    private static Method primitive(String name, String descriptor, Class<?> owner) {
        MethodType type = MethodType.fromMethodDescriptorString(descriptor, MathRulesTest.class.getClassLoader());
        try {
            Method m = owner.getMethod(name, type.parameterArray());
            return m.getReturnType() == type.returnType() ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Method adjointMethod(Rule.AdjointMethod a) throws ReflectiveOperationException {
        Class<?> owner = Class.forName(a.owner().replace('/', '.'));
        MethodType type = MethodType.fromMethodDescriptorString(a.descriptor(), owner.getClassLoader());
        Method m = owner.getDeclaredMethod(a.name(), type.parameterArray());
        m.setAccessible(true);
        return m;
    }

    private static boolean isFloating(Class<?> c) {
        return c == double.class || c == float.class;
    }
}
