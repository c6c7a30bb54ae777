package org.grad4j.rules;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The derivative rules of primitives, keyed by {@code owner.name descriptor} (JVM internal
 * names). The transformer asks this table; it never spells out a derivative itself.
 *
 * <p>Rules are read off classes annotated {@link RulesFor} whose static methods carry
 * {@link Adjoint}. Lookup order in the transformer: a rule here, else differentiate the body,
 * else a named error.
 */
public final class RuleTable {
    private static final List<Class<?>> BUILT_IN = List.of(MathRules.class, FastMathRules.class, ADRules.class,
            BoxingRules.DoubleValueOf.class, BoxingRules.FloatValueOf.class, BoxingRules.Unboxing.class,
            NumberRules.Doubles.class, NumberRules.Floats.class, StreamSumRules.class);
    private static final RuleTable GLOBAL = new RuleTable();

    /** Rules of libraries that may be absent (ND4J): registered only when their classes are on the class path. */
    private static final List<String[]> OPTIONAL_BUILT_IN = List.<String[]>of(
            // {class that must be present, rules class}
            new String[] {"org.nd4j.linalg.api.ndarray.INDArray", "org.grad4j.tensor.INDArrayRules"},
            new String[] {"org.nd4j.linalg.api.ndarray.INDArray", "org.grad4j.tensor.TransformsRules"},
            new String[] {"org.nd4j.linalg.api.ndarray.INDArray", "org.grad4j.tensor.Nd4jRules"},
            new String[] {"org.nd4j.linalg.api.ndarray.INDArray", "org.grad4j.tensor.TensorADRules"}
    );

    static {
        for (Class<?> rules : BUILT_IN) GLOBAL.registerBuiltIn(rules);
        for (String[] optional : OPTIONAL_BUILT_IN) {
            ClassLoader loader = RuleTable.class.getClassLoader();
            try {
                Class.forName(optional[0], false, loader);
            } catch (ClassNotFoundException | LinkageError absent) {
                continue; // the library is not used by this application
            }
            try {
                GLOBAL.registerBuiltIn(Class.forName(optional[1], false, loader));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("grad4j: built-in rules " + optional[1] + " are missing", e);
            }
        }
    }

    private final Map<String, Rule> rules = new ConcurrentHashMap<>();

    /** The process-wide table: built-in rules plus those registered by users. */
    public static RuleTable global() {
        return GLOBAL;
    }

    public Rule lookup(String owner, String name, String descriptor) {
        return rules.get(key(owner, name, descriptor));
    }

    private final java.util.Set<String> differentiated = ConcurrentHashMap.newKeySet();

    /**
     * Adds a rule. A rule must be registered before the first gradient that reaches its method:
     * code generated earlier differentiated the method's body, and keeps doing so.
     *
     * @throws org.grad4j.GradientException when the method's body was already differentiated
     */
    public void register(Rule rule) {
        String key = key(rule.owner(), rule.name(), rule.descriptor());
        if (differentiated.contains(key)) {
            throw new org.grad4j.GradientException("grad4j: the rule for " + rule.owner().replace('/', '.') + "."
                    + rule.name() + rule.descriptor() + " comes too late: code generated earlier already differentiates "
                    + "its body. Register rules before the first gradient that reaches the method (e.g. in a static "
                    + "initializer or at the start of main).");
        }
        rules.put(key, rule);
    }

    /** Called by the transformer when it decides to differentiate a method's body rather than use a rule. */
    public void noteDifferentiated(String owner, String name, String descriptor) {
        differentiated.add(key(owner, name, descriptor));
    }

    /** All rules, for table-driven tests. */
    public List<Rule> all() {
        return List.copyOf(rules.values());
    }

    /** Registers every {@link Adjoint} and {@link ZeroDerivative} of a {@link RulesFor} class. */
    public void registerAll(Class<?> rulesClass) {
        registerAll(rulesClass, false);
    }

    /**
     * Registers a user's {@link RulesFor} class ({@code AD.registerRules}): as {@link #registerAll},
     * but every {@code double}, {@code float} or {@code INDArray} argument of a method given rules
     * must have one — a left-out argument's derivative would silently be 0 (the built-in rules
     * leave out on purpose the arguments that carry none).
     */
    public void registerUserRules(Class<?> rulesClass) {
        registerAll(rulesClass, true);
    }

    /** Registers grad4j's own rules, which generated code in the program's packages calls straight. */
    private void registerBuiltIn(Class<?> rulesClass) {
        for (Method m : rulesClass.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Adjoint.class) && !isPublicEverywhere(m)) {
                throw new IllegalStateException("grad4j: built-in adjoint method " + m + " must be public, in public classes");
            }
        }
        registerAll(rulesClass);
    }

    /**
     * Whether code in any package may call the method: generated code calls built-in rules with a
     * plain {@code invokestatic} (users' rules, which may be private, are linked with their class's
     * access instead).
     */
    private static boolean isPublicEverywhere(Method m) {
        if (!Modifier.isPublic(m.getModifiers())) return false;
        for (Class<?> c = m.getDeclaringClass(); c != null; c = c.getEnclosingClass()) {
            if (!Modifier.isPublic(c.getModifiers())) return false;
        }
        return true;
    }

    private void registerAll(Class<?> rulesClass, boolean everyArgument) {
        RulesFor target = rulesClass.getAnnotation(RulesFor.class);
        if (target == null) {
            throw new IllegalArgumentException(rulesClass.getName() + " is not annotated @RulesFor");
        }
        Map<String, Rule.AdjointMethod[]> byPrimitive = new java.util.HashMap<>();
        for (Method m : rulesClass.getDeclaredMethods()) {
            Adjoint adjoint = m.getAnnotation(Adjoint.class);
            if (adjoint == null) continue;
            Class<?>[] p = m.getParameterTypes();
            if (adjoint.into()) {
                checkInto(m, adjoint, p, target.receiver());
                p = java.util.Arrays.copyOf(p, p.length - 1); // the primitive is read off the rest, as for any rule
            }
            // an array argument's adjoint is an array of its type, added element by element into its
            // shadow: INDArray[] (concat, stack), and for grad4j's own rules double[] and float[]
            // (Nd4j.create(w, shape)); users' rules keep to the documented forms
            String returned = m.getReturnType().getName();
            boolean arrayAdjoint = adjoint.arg() >= 0 && adjoint.arg() < p.length - 2 && m.getReturnType() == p[adjoint.arg()]
                    && (returned.equals(TENSOR_ARRAY) || !everyArgument && (returned.equals("[D") || returned.equals("[F")));
            if (!Modifier.isStatic(m.getModifiers()) || !(adjoint.into() || isAdjointType(m.getReturnType()) || arrayAdjoint)
                    || p.length < (target.receiver() ? 3 : 2) || !isAdjointType(p[p.length - 1])) {
                throw new IllegalArgumentException("Adjoint method " + m + " must be static, (args..., result, dResult) -> "
                        + "adjoint, where adjoints are double (scalars) or INDArray (tensors), or INDArray[] for an "
                        + "INDArray[] argument");
            }
            int arity = p.length - 2;
            int first = target.receiver() ? 1 : 0;
            String primitiveDesc = descriptor(java.util.Arrays.copyOfRange(p, first, arity), p[arity]);
            Rule.AdjointMethod[] slots = byPrimitive.computeIfAbsent(adjoint.of() + primitiveDesc,
                    k -> new Rule.AdjointMethod[arity]);
            if (adjoint.arg() < 0 || adjoint.arg() >= arity) {
                throw new IllegalArgumentException("Adjoint method " + m + " names argument " + adjoint.arg()
                        + " of " + adjoint.of() + primitiveDesc + ", which has " + arity + " arguments");
            }
            if (slots[adjoint.arg()] != null) {
                throw new IllegalArgumentException("Two adjoint methods for argument " + adjoint.arg() + " of "
                        + adjoint.of() + primitiveDesc + ": " + slots[adjoint.arg()] + " and " + m);
            }
            slots[adjoint.arg()] = new Rule.AdjointMethod(
                    rulesClass.getName().replace('.', '/'), m.getName(), org.grad4j.runtime.Descriptors.of(m), adjoint.into());
        }
        if (everyArgument) byPrimitive.forEach((nameDesc, adjoints) -> checkEveryArgument(rulesClass, target, nameDesc, adjoints));
        for (String owner : target.value()) {
            byPrimitive.forEach((nameDesc, adjoints) -> {
                int paren = nameDesc.indexOf('(');
                register(new Rule(owner, nameDesc.substring(0, paren), nameDesc.substring(paren), adjoints, target.receiver()));
            });
            for (ZeroDerivative zero : rulesClass.getAnnotationsByType(ZeroDerivative.class)) {
                int arity = org.grad4j.runtime.Descriptors.argumentCount(zero.descriptor()) + (target.receiver() ? 1 : 0);
                register(new Rule(owner, zero.name(), zero.descriptor(), new Rule.AdjointMethod[arity], target.receiver()));
            }
        }
        initialize(rulesClass);
    }

    /**
     * Runs the rules class's static initialiser now, at the registering caller's shallow depth: a
     * {@code StackOverflowError} in an initialiser reached deep in a gradient's recursion would
     * poison the class for the JVM's life (DESIGN §9).
     */
    private static void initialize(Class<?> rulesClass) {
        try {
            Class.forName(rulesClass.getName(), true, rulesClass.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkEveryArgument(Class<?> rulesClass, RulesFor target, String nameDesc, Rule.AdjointMethod[] adjoints) {
        int paren = nameDesc.indexOf('(');
        String name = nameDesc.substring(0, paren);
        java.util.List<String> types = new java.util.ArrayList<>();
        if (target.receiver()) types.add(target.value().length > 0 ? "L" + target.value()[0] + ";" : "receiver");
        types.addAll(org.grad4j.runtime.Descriptors.argumentDescriptors(nameDesc.substring(paren)));
        String tensor = "L" + TENSOR.replace('.', '/') + ";";
        for (int k = 0; k < adjoints.length && k < types.size(); k++) {
            String type = types.get(k);
            boolean differentiable = type.equals("D") || type.equals("F") || type.equals(tensor) || type.equals("[" + tensor);
            if (adjoints[k] != null || !differentiable) continue;
            type = switch (type.charAt(0)) {
                case 'D' -> "double";
                case 'F' -> "float";
                case '[' -> "INDArray[]";
                default -> "INDArray";
            };
            throw new org.grad4j.GradientException("grad4j: the rules of " + rulesClass.getName() + " for " + name
                    + nameDesc.substring(paren) + " give no adjoint for argument " + k + " (" + type + "), whose derivative would "
                    + "silently be 0. Add @Adjoint(of = \"" + name + "\", arg = " + k + ") returning that argument's adjoint "
                    + "(0 where it carries no derivative), or declare the whole method @ZeroDerivative.");
        }
    }

    /** An {@link Adjoint#into} method returns void, ends with an {@code INDArray into} and reads a tensor argument. */
    private static void checkInto(Method m, Adjoint adjoint, Class<?>[] p, boolean receiver) {
        boolean tensorArg = adjoint.arg() >= 0 && adjoint.arg() < p.length - 3 && p[adjoint.arg()].getName().equals(TENSOR);
        if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class || p.length < (receiver ? 4 : 3)
                || !p[p.length - 1].getName().equals(TENSOR) || !tensorArg) {
            throw new IllegalArgumentException("Adjoint method " + m + " with into = true must be static, "
                    + "(args..., result, dResult, INDArray into) -> void, for an INDArray argument");
        }
    }

    private static final String TENSOR = "org.nd4j.linalg.api.ndarray.INDArray";

    private static final String TENSOR_ARRAY = "[Lorg.nd4j.linalg.api.ndarray.INDArray;";

    /** Adjoints are doubles, or tensors (named, so that this class needs no ND4J). */
    private static boolean isAdjointType(Class<?> c) {
        return c == double.class || c.getName().equals("org.nd4j.linalg.api.ndarray.INDArray");
    }

    private static String descriptor(Class<?>[] params, Class<?> result) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> c : params) sb.append(org.grad4j.runtime.Descriptors.of(c));
        return sb.append(')').append(org.grad4j.runtime.Descriptors.of(result)).toString();
    }

    private static String key(String owner, String name, String descriptor) {
        return owner + '.' + name + descriptor;
    }
}
