package org.grad4j.transformer.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.grad4j.TransformException;
import org.grad4j.rules.Rule;
import org.grad4j.transformer.Refusal;
import org.grad4j.transformer.ir.Types;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The custom rules a class declares beside its methods with {@code @AdjointOf}, every one of them
 * checked: a rule that names no static method of its class, or whose signature fits no overload
 * of the one it names, is an error, not skipped — skipped, grad4j would silently differentiate the
 * body the user meant to replace. All of a class's rules are checked at once. A rule that names
 * no method (a misspelt name: the method it was meant for would silently keep its body) is
 * reported whenever differentiated code calls a static method of its class; a rule that fits no
 * overload of the method it names is reported when that method is called, so that one broken rule
 * does not take its class's other rules down with it. So are a method's rules that leave out one
 * of its arguments a rule can give the adjoint of: left out, that adjoint would silently be 0.
 */
final class AdjointOfRules {
    private static final String ADJOINT_OF = "Lorg/grad4j/AdjointOf;";
    private static final Type TENSOR = Type.getObjectType(Types.INDARRAY);
    private static final Type TENSORS = Type.getType("[" + TENSOR.getDescriptor());

    private AdjointOfRules() {}

    /**
     * A class's rules, by name and descriptor of the method each replaces, and its broken rules:
     * by the name of the method they name, and one that names none.
     */
    record Rules(Map<String, Rule> byMethod, Map<String, TransformException> brokenByName, TransformException misnamed) {
        /**
         * The rule for {@code name descriptor}, or null.
         *
         * @throws TransformException naming a broken rule of this method, or one of the class that names no method
         */
        Rule forCall(String name, String descriptor) {
            if (misnamed != null) throw misnamed;
            TransformException broken = brokenByName.get(name);
            if (broken != null) throw broken;
            return byMethod.get(name + descriptor);
        }
    }

    /** The rules of {@code owner}'s static methods, checked. */
    static Rules of(ClassNode owner) {
        Map<String, Rule.AdjointMethod[]> byTarget = new HashMap<>();
        Map<String, MethodNode> targets = new HashMap<>();
        Map<String, MethodNode[]> givenBy = new HashMap<>(); // the rule methods, by argument
        Map<String, TransformException> broken = new HashMap<>();
        TransformException misnamed = null;
        for (MethodNode m : owner.methods) {
            AnnotationNode a = annotation(m);
            if (a == null) continue;
            String name = (String) value(a, "value", "");
            int arg = (Integer) value(a, "arg", 0);
            MethodNode target;
            try {
                target = target(owner, m, name, arg);
            } catch (TransformException e) {
                if (namesAMethod(owner, name)) broken.putIfAbsent(name, e);
                else if (misnamed == null) misnamed = e;
                continue;
            }
            int arity = Type.getArgumentTypes(target.desc).length;
            Rule.AdjointMethod[] slots = byTarget.computeIfAbsent(target.name + target.desc, k -> new Rule.AdjointMethod[arity]);
            if (slots[arg] != null) {
                broken.putIfAbsent(name, error(owner, m, "a second rule for argument " + arg + " of " + display(target)
                        + ", beside " + slots[arg].name(), "Give one @AdjointOf method per argument, each with its own arg"));
                continue;
            }
            slots[arg] = new Rule.AdjointMethod(owner.name, m.name, m.desc);
            targets.put(target.name + target.desc, target);
            givenBy.computeIfAbsent(target.name + target.desc, k -> new MethodNode[arity])[arg] = m;
        }
        Map<String, Rule> rules = new HashMap<>();
        byTarget.forEach((nameDesc, adjoints) -> {
            MethodNode target = targets.get(nameDesc);
            TransformException incomplete = target == null ? null : incomplete(owner, target, givenBy.get(nameDesc));
            if (incomplete != null) {
                broken.putIfAbsent(target.name, incomplete);
                return;
            }
            int paren = nameDesc.indexOf('(');
            rules.put(nameDesc, new Rule(owner.name, nameDesc.substring(0, paren), nameDesc.substring(paren), adjoints));
        });
        return new Rules(rules, broken, misnamed);
    }

    /**
     * The error for rules of {@code target} that leave out an argument a rule can give the adjoint
     * of (double, float, INDArray, INDArray[]), or null when none is left out. Left out, that
     * argument's adjoint would silently be 0: a user who means 0 says so with a rule returning it.
     */
    private static TransformException incomplete(ClassNode owner, MethodNode target, MethodNode[] given) {
        Type[] args = Type.getArgumentTypes(target.desc);
        String[] names = parameterNames(target);
        List<String> missing = new ArrayList<>();
        List<String> remedies = new ArrayList<>();
        MethodNode first = null;
        for (int i = 0; i < args.length; i++) {
            if (given[i] != null) {
                if (first == null) first = given[i];
                continue;
            }
            String desc = ruleDescriptor(target, i);
            if (desc == null) continue; // an int, a boolean, an object: no derivative to give
            missing.add("argument " + i + " (" + simpleName(args[i]) + " " + names[i] + ")");
            remedies.add("@AdjointOf(value = \"" + target.name + "\", arg = " + i + ") static "
                    + simpleName(Type.getReturnType(desc)) + " anyName"
                    + signature(Type.getArgumentTypes(desc), ruleParameterNames(target)));
        }
        if (missing.isEmpty()) return null;
        return error(owner, first, display(target) + " has no rule for " + String.join(" and ", missing)
                        + ", whose adjoint would silently be 0",
                "Give one @AdjointOf method per double, float or INDArray argument: add " + String.join(" and ", remedies)
                        + " (one that returns 0 where the argument carries no derivative)");
    }

    private static boolean namesAMethod(ClassNode owner, String name) {
        for (MethodNode t : owner.methods) if (t.name.equals(name)) return true;
        return false;
    }

    /** The overload of {@code name} that rule {@code m} fits; else the error that says what it should be. */
    private static MethodNode target(ClassNode owner, MethodNode m, String name, int arg) {
        String annotation = "@AdjointOf(\"" + name + "\"" + (arg != 0 ? ", arg = " + arg : "") + ") " + m.name;
        String form = "An @AdjointOf method is static, takes the method's arguments, its result and the result's "
                + "adjoint, and returns the adjoint of argument arg (double for double and float values, INDArray "
                + "for tensors)";
        if ((m.access & Opcodes.ACC_STATIC) == 0) throw error(owner, m, annotation + " is not static", form);
        List<MethodNode> named = new ArrayList<>();
        for (MethodNode t : owner.methods) if (t.name.equals(name) && (t.access & Opcodes.ACC_STATIC) != 0) named.add(t);
        if (named.isEmpty()) {
            // a misspelt name: the method the rule fits, where only one does (lambda bodies, synthetic, aside)
            List<String> fitting = new ArrayList<>();
            for (MethodNode t : owner.methods) {
                boolean written = (t.access & (Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC)) == Opcodes.ACC_STATIC;
                if (written && m.desc.equals(ruleDescriptor(t, arg))) fitting.add(display(t));
            }
            throw error(owner, m, annotation + " names no static method of " + simpleName(owner.name)
                    + (fitting.size() == 1 ? " (it would fit " + fitting.get(0) + ")" : ""),
                    "Name a static method declared in the same class (the name is case-sensitive); for an instance "
                            + "method, or a method of another class, use @RulesFor and AD.registerRules");
        }
        List<String> expected = new ArrayList<>();
        for (MethodNode t : named) {
            String desc = ruleDescriptor(t, arg);
            if (desc == null) continue;
            if (desc.equals(m.desc)) return t;
            Type wanted = Type.getReturnType(desc);
            expected.add(signature(Type.getArgumentTypes(desc), ruleParameterNames(t)) + " for " + display(t)
                    + (wanted.equals(Type.getReturnType(m.desc)) ? "" : ", returning " + simpleName(wanted)));
        }
        if (expected.isEmpty()) throw error(owner, m, annotation + ": " + noRule(named.get(0), arg), form);
        Type returned = Type.getReturnType(m.desc);
        boolean returnsAdjoint = returned.equals(Type.DOUBLE_TYPE) || returned.equals(TENSOR) || returned.equals(TENSORS);
        String written = (returnsAdjoint ? "" : simpleName(returned) + " ") + m.name
                + signature(Type.getArgumentTypes(m.desc), parameterNames(m));
        throw error(owner, m, written + " should be " + String.join(" or ", expected), form);
    }

    /** Why {@code target} can have no rule for argument {@code arg}. */
    private static String noRule(MethodNode target, int arg) {
        Type[] args = Type.getArgumentTypes(target.desc);
        if (arg < 0 || arg >= args.length) {
            return display(target) + " has no argument " + arg + " (arg counts its arguments from 0)";
        }
        if (adjointType(args[arg]) == null) {
            return "argument " + arg + " of " + display(target) + " has type " + simpleName(args[arg]) + ", which carries "
                    + "no derivative a rule can give (rules give the adjoints of double, float and INDArray arguments)";
        }
        return display(target) + " returns " + simpleName(Type.getReturnType(target.desc))
                + " (rules are for methods returning double, float or INDArray)";
    }

    /**
     * The descriptor a rule for argument {@code arg} of {@code target} has: the target's arguments,
     * its result and the result's adjoint, returning the argument's adjoint; null where the
     * argument or the result carries no adjoint a rule could take or give.
     */
    private static String ruleDescriptor(MethodNode target, int arg) {
        Type[] args = Type.getArgumentTypes(target.desc);
        Type result = Type.getReturnType(target.desc);
        if (arg < 0 || arg >= args.length || adjointType(args[arg]) == null || adjointType(result) == null) return null;
        Type[] ruleArgs = Arrays.copyOf(args, args.length + 2);
        ruleArgs[args.length] = result;
        ruleArgs[args.length + 1] = adjointType(result);
        return Type.getMethodDescriptor(adjointType(args[arg]), ruleArgs);
    }

    /** What a rule takes or returns for a value of this type (see {@code org.grad4j.rules.Adjoint}); null for none. */
    private static Type adjointType(Type t) {
        return switch (Types.kind(t)) {
            case SCALAR -> Type.DOUBLE_TYPE;
            case TENSOR -> TENSOR;
            case SHADOWED -> t.equals(TENSORS) ? TENSORS : null; // ND4J's varargs; arrays of doubles have no rules
            case NONE -> null;
        };
    }

    /** The target's parameter names, then the result's and its adjoint's: {@code x, y, dy} where free. */
    private static String[] ruleParameterNames(MethodNode target) {
        String[] names = parameterNames(target);
        boolean free = !Arrays.asList(names).contains("y") && !Arrays.asList(names).contains("dy");
        String[] all = Arrays.copyOf(names, names.length + 2);
        all[names.length] = free ? "y" : "result";
        all[names.length + 1] = free ? "dy" : "dResult";
        return all;
    }

    /** A static method's parameter names where the class file has them (javac -g), else p0, p1, … */
    private static String[] parameterNames(MethodNode m) {
        Type[] types = Type.getArgumentTypes(m.desc);
        String[] names = new String[types.length];
        for (int i = 0, slot = 0; i < types.length; slot += types[i].getSize(), i++) {
            names[i] = "p" + i;
            if (m.localVariables == null) continue;
            for (LocalVariableNode v : m.localVariables) if (v.index == slot) names[i] = v.name;
        }
        return names;
    }

    /** {@code (double x, double y)}, or {@code (double, double)} without names. */
    private static String signature(Type[] types, String[] names) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < types.length; i++) {
            sb.append(i > 0 ? ", " : "").append(simpleName(types[i])).append(names != null ? " " + names[i] : "");
        }
        return sb.append(')').toString();
    }

    /** {@code clampedLog(double)}. */
    private static String display(MethodNode m) {
        return m.name + signature(Type.getArgumentTypes(m.desc), null);
    }

    private static String simpleName(Type t) {
        return simpleName(t.getClassName());
    }

    private static String simpleName(String name) {
        return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('/')) + 1);
    }

    private static TransformException error(ClassNode owner, MethodNode rule, String what, String remedy) {
        return new TransformException("grad4j cannot use the rule " + new Refusal(owner.name, rule.name, owner.sourceFile)
                .where(firstLine(rule)) + ": " + what + ". " + remedy + ".");
    }

    /** The first line of the method's body: class files keep no line of a declaration. */
    private static int firstLine(MethodNode m) {
        for (AbstractInsnNode insn : m.instructions) if (insn instanceof LineNumberNode ln) return ln.line;
        return -1;
    }

    private static AnnotationNode annotation(MethodNode m) {
        List<AnnotationNode> all = new ArrayList<>();
        if (m.visibleAnnotations != null) all.addAll(m.visibleAnnotations);
        if (m.invisibleAnnotations != null) all.addAll(m.invisibleAnnotations);
        for (AnnotationNode a : all) if (a.desc.equals(ADJOINT_OF)) return a;
        return null;
    }

    private static Object value(AnnotationNode a, String name, Object otherwise) {
        if (a.values == null) return otherwise;
        for (int i = 0; i + 1 < a.values.size(); i += 2) if (a.values.get(i).equals(name)) return a.values.get(i + 1);
        return otherwise;
    }
}
