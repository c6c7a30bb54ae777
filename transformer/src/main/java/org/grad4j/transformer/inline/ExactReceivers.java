package org.grad4j.transformer.inline;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Calls of methods that may be overridden, on an object the method itself made: {@code var acc =
 * new Accumulator(); acc.add(x)} of a class that is not final (most nested classes, every
 * anonymous one) always runs {@code Accumulator.add}, since the object's class is known; so does
 * {@code Scale s = new Scale() {...}; s.of(x)} through its interface, and a default method of an
 * interface the class implements runs that body. Such a
 * call becomes {@code invokespecial} of the class that declares the body it runs, which the
 * inliner then takes like a call of a final method ({@code CallResolver}: exact), so that the
 * object stays in the method and {@link MutableObjects} can replace it by its fields.
 *
 * <p>Only for inlining: a call made {@code invokespecial} that is not inlined after all is put
 * back ({@link #restored}), since code generated in another class could not make it.
 */
public final class ExactReceivers {
    private ExactReceivers() {}

    /**
     * The method with its calls on objects of known class made exact ({@code method} itself when
     * there are none), the calls so made, by {@code owner.name descriptor}, and every call on an
     * object the method made (its instruction in {@link #method}), made exact or exact already.
     */
    public record Devirtualised(MethodNode method, Set<String> calls, Set<AbstractInsnNode> onObjectsMadeHere) {
        /** Whether a call (of {@link #method}) is made on an object the method made (its class known, virtual or not). */
        public boolean onObjectMadeHere(AbstractInsnNode call) {
            return onObjectsMadeHere.contains(call);
        }
    }

    public static Devirtualised devirtualised(String owner, MethodNode method, Function<String, ClassNode> classes) {
        boolean any = false;
        for (AbstractInsnNode insn : method.instructions) {
            any |= insn.getOpcode() == Opcodes.NEW && !org.grad4j.transformer.analysis.CallResolver.isJdk(((TypeInsnNode) insn).desc)
                    || insn instanceof MethodInsnNode m && returnsProgramObject(m);
        }
        if (!any) return new Devirtualised(method, Set.of(), Set.of());
        Frame<Known>[] frames;
        try {
            frames = analysed(owner, method, classes, new java.util.HashMap<>(), 0);
        } catch (AnalyzerException e) {
            return new Devirtualised(method, Set.of(), Set.of());
        }
        Set<String> original = new HashSet<>(); // invokespecial already there (super.m()): never put back
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL) original.add(key(m));
        }
        // by instruction index, each call on an object made here: the exact call replacing it, or itself (exact already)
        java.util.Map<Integer, MethodInsnNode> onObjects = new java.util.LinkedHashMap<>();
        AbstractInsnNode[] insns = method.instructions.toArray();
        for (int i = 0; i < insns.length; i++) {
            if (!(insns[i] instanceof MethodInsnNode call) || frames[i] == null || call.name.equals("<init>")
                    || call.getOpcode() == Opcodes.INVOKESTATIC) {
                continue;
            }
            Known receiver = frames[i].getStack(frames[i].getStackSize() - Type.getArgumentTypes(call.desc).length - 1);
            if (receiver.className() == null) continue;
            onObjects.put(i, null);
            if (call.getOpcode() != Opcodes.INVOKEVIRTUAL && call.getOpcode() != Opcodes.INVOKEINTERFACE) continue;
            String declaring = declaring(receiver.className(), call.name, call.desc, classes);
            if (declaring == null) continue;
            ClassNode declaringNode = classes.apply(declaring);
            boolean itf = declaringNode != null && (declaringNode.access & Opcodes.ACC_INTERFACE) != 0; // a default method
            MethodInsnNode exact = new MethodInsnNode(Opcodes.INVOKESPECIAL, declaring, call.name, call.desc, itf);
            if (!original.contains(key(exact))) onObjects.put(i, exact);
        }
        if (onObjects.isEmpty()) return new Devirtualised(method, Set.of(), Set.of());
        MethodNode copy = ClassFiles.copy(method);
        AbstractInsnNode[] copies = copy.instructions.toArray(); // in the same order
        Set<String> made = new HashSet<>();
        Set<AbstractInsnNode> calls = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (java.util.Map.Entry<Integer, MethodInsnNode> e : onObjects.entrySet()) {
            MethodInsnNode exact = e.getValue();
            if (exact == null) {
                calls.add(copies[e.getKey()]);
                continue;
            }
            copy.instructions.set(copies[e.getKey()], exact);
            calls.add(exact);
            made.add(key(exact));
        }
        return new Devirtualised(copy, made, calls);
    }

    /**
     * The classes of the method's values ({@link Exact}), analysed again until no class is found
     * whose arrays made here may hold objects of another class (a store, or the array going
     * elsewhere, seen after an element was read): then no frame assumed such an array's elements.
     */
    private static Frame<Known>[] analysed(String owner, MethodNode method, Function<String, ClassNode> classes,
                                           java.util.Map<String, java.util.Optional<String>> returns, int depth)
            throws AnalyzerException {
        return analysed(owner, method, classes, returns, depth, java.util.Map.of(), new HashSet<>());
    }

    /** The same, with {@code given} the values of some parameters (by local slot), the classes tainted into {@code tainted}. */
    private static Frame<Known>[] analysed(String owner, MethodNode method, Function<String, ClassNode> classes,
                                           java.util.Map<String, java.util.Optional<String>> returns, int depth,
                                           java.util.Map<Integer, Known> given, Set<String> tainted) throws AnalyzerException {
        java.util.Map<String, Set<String>> added = new java.util.HashMap<>(); // by list, the classes added to it
        java.util.Map<String, Set<String>> passes = new java.util.HashMap<>(); // a callee's body looked into once
        while (true) {
            int before = tainted.size() + added.values().stream().mapToInt(Set::size).sum();
            Exact exact = new Exact(classes, returns, depth, tainted, added, passes) {
                @Override
                public Known newParameterValue(boolean isInstanceMethod, int local, Type type) {
                    Known k = given.get(local);
                    return k != null ? k : super.newParameterValue(isInstanceMethod, local, type);
                }
            };
            Frame<Known>[] frames = new Analyzer<>(exact).analyze(owner, method);
            if (tainted.size() + added.values().stream().mapToInt(Set::size).sum() == before) return frames;
        }
    }

    /**
     * The method with the calls {@link #devirtualised} made exact that are still calls (not
     * inlined) virtual again: generated code calls the program's methods from another class,
     * which may not {@code invokespecial} them.
     */
    public static MethodNode restored(MethodNode method, Set<String> made) {
        if (made.isEmpty()) return method;
        for (AbstractInsnNode insn : method.instructions.toArray()) {
            if (insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL && made.contains(key(m))) {
                method.instructions.set(insn, new MethodInsnNode(m.itf ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL, m.owner,
                        m.name, m.desc, m.itf));
            }
        }
        return method;
    }

    private static String key(MethodInsnNode m) {
        return m.owner + "." + m.name + m.desc;
    }

    /** The class declaring the concrete body an object of {@code className} runs for the method; null if none is found. */
    private static String declaring(String className, String name, String desc, Function<String, ClassNode> classes) {
        for (String at = className; at != null && !MutableClass.isRoot(at); ) {
            // a superclass of the JDK's may declare it, and a class's method wins over an interface's default
            if (org.grad4j.transformer.analysis.CallResolver.isJdk(at)) return null;
            ClassNode c = classes.apply(at);
            if (c == null) return null;
            MethodNode m = ClassFiles.method(c, name, desc);
            if (m != null) {
                return (m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_STATIC | Opcodes.ACC_NATIVE)) == 0 ? c.name : null;
            }
            at = c.superName;
        }
        // an interface's default (Object's and Record's own methods never are one)
        return defaultMethod(className, name, desc, classes);
    }

    /**
     * The interface whose default method an object of {@code className} runs for the method
     * ({@code Shape.scaled} calling the object's own {@code area()}), when exactly one of the
     * interfaces it implements, directly or not, has a default of it; else null (two would need
     * Java's choice of the most specific, which is left to the virtual call).
     */
    private static String defaultMethod(String className, String name, String desc, Function<String, ClassNode> classes) {
        java.util.Set<String> found = new java.util.HashSet<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
        for (String at = className; at != null && !org.grad4j.transformer.analysis.CallResolver.isJdk(at); ) {
            ClassNode c = classes.apply(at);
            if (c == null) return null;
            todo.addAll(c.interfaces);
            at = c.superName;
        }
        while (!todo.isEmpty()) {
            String i = todo.poll();
            if (!seen.add(i) || org.grad4j.transformer.analysis.CallResolver.isJdk(i)) continue;
            ClassNode c = classes.apply(i);
            if (c == null) return null;
            MethodNode m = ClassFiles.method(c, name, desc);
            if (m != null && (m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0) found.add(i);
            todo.addAll(c.interfaces);
        }
        return found.size() == 1 ? found.iterator().next() : null;
    }

    /**
     * A value, as far as its class goes: {@code className}, the class of an object made by a {@code
     * new} here (or read from such an array), or null when not known; {@code elementsOf}, for an
     * array made here ({@code new Body[n]}), the class of its elements; {@code arraysOf}, the element
     * classes of the arrays made here it may be (merged with another, it is no longer one, but what
     * is stored through it still counts).
     */
    record Known(int size, String className, String elementsOf, Set<String> arraysOf)
            implements org.objectweb.asm.tree.analysis.Value {
        static final Known ONE = new Known(1, null, null, Set.of());
        static final Known TWO = new Known(2, null, null, Set.of());

        Known(int size, String className) {
            this(size, className, null, Set.of());
        }

        static Known of(int size) {
            return size == 2 ? TWO : ONE;
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    private static boolean returnsProgramObject(MethodInsnNode m) {
        Type r = Type.getReturnType(m.desc);
        return r.getSort() == Type.OBJECT && !org.grad4j.transformer.analysis.CallResolver.isJdk(r.getInternalName());
    }

    /** Calls are looked into this many levels deep for the class of what they return. */
    private static final int SUMMARY_DEPTH = 2;

    /**
     * Follows objects from their {@code new} through locals, the stack and casts that keep them,
     * and through calls whose body is known (static, exact, or on an object of known class) and
     * returns only objects it makes of one class: {@code z = z.times(z).plus(c)} of a Complex that is
     * not final keeps {@code z} of known class around a loop.
     *
     * <p>An element of an array made here ({@code bodies[i]}) is of the array's class as long as
     * every object stored into such arrays is one made here of that class and the arrays go nowhere
     * else (passed to a call, stored, returned, merged with another array): any of those {@code
     * taints} the class, and the method is analysed again without following its arrays.
     */
    private static class Exact extends Interpreter<Known> {
        private final Function<String, ClassNode> classes;
        /** By {@code owner.name descriptor} of a body, the class of what it returns; null (cached too) when not one. */
        private final java.util.Map<String, java.util.Optional<String>> returns;
        private final int depth;
        private final Set<String> tainted;
        /** By list made here (its token, {@link #LIST}), the classes of what is added to it ({@code "?"}: not known). */
        private final java.util.Map<String, Set<String>> added;

        Exact(Function<String, ClassNode> classes, java.util.Map<String, java.util.Optional<String>> returns, int depth,
              Set<String> tainted, java.util.Map<String, Set<String>> added, java.util.Map<String, Set<String>> passes) {
            super(Opcodes.ASM9);
            this.classes = classes;
            this.returns = returns;
            this.depth = depth;
            this.tainted = tainted;
            this.added = added;
            this.passes = passes;
        }

        /**
         * A list made here ({@code new ArrayList}) is followed as an array is, by a token naming its
         * {@code new} in place of the element class ({@code elementsOf}); an iterator of it by the
         * list's token with {@link #ITERATOR} before it. Its elements are of the one class every
         * object added to it is of, as far as the previous analysis found.
         */
        static final String LIST = "list@";
        static final String ITERATOR = "iterator of ";

        private String elementsOfList(String token) {
            Set<String> classes = added.get(token);
            if (tainted.contains(token) || classes == null || classes.size() != 1) return null;
            String c = classes.iterator().next();
            return c.equals("?") ? null : c;
        }

        /** A call of {@link ListOp} on a list made here or an iterator of one: its result, or null when it is not one. */
        private Known listOperation(MethodInsnNode m, List<? extends Known> args) {
            ListOp op = ListOp.of(m);
            String on = args.isEmpty() ? null : args.get(0).elementsOf();
            if (op == null || on == null || !on.startsWith(LIST) && !on.startsWith(ITERATOR)) return null;
            boolean iterator = on.startsWith(ITERATOR);
            if (iterator != (op == ListOp.HAS_NEXT || op == ListOp.NEXT)) return null;
            String list = iterator ? on.substring(ITERATOR.length()) : on;
            for (int k = 1; k < args.size(); k++) escapes(args.get(k)); // an array added to a list goes elsewhere
            switch (op) {
                case ADD, SET -> {
                    String c = args.get(args.size() - 1).className();
                    added.computeIfAbsent(list, key -> new HashSet<>()).add(c == null ? "?" : c);
                    return Known.ONE;
                }
                case GET, NEXT -> {
                    String c = elementsOfList(list);
                    return c == null ? Known.ONE : new Known(1, c);
                }
                case ITERATOR -> {
                    return new Known(1, null, ITERATOR + list, Set.of(list));
                }
                default -> { // the constructor (void: not pushed), size, isEmpty, hasNext
                    return Known.ONE;
                }
            }
        }

        /** A use of values that may be arrays made here which this class does not follow: their elements may be anything. */
        private void escapes(Known... values) {
            for (Known v : values) tainted.addAll(v.arraysOf());
        }

        /** The class declaring the body a call runs, when known here: the program's, not abstract; else null. */
        private String bodyOwner(MethodInsnNode m, List<? extends Known> args) {
            String owner = switch (m.getOpcode()) {
                case Opcodes.INVOKESTATIC, Opcodes.INVOKESPECIAL -> m.owner;
                default -> args.get(0).className() == null ? null : declaring(args.get(0).className(), m.name, m.desc, classes);
            };
            if (owner == null || org.grad4j.transformer.analysis.CallResolver.isJdk(owner)) return null;
            MethodNode body = body(owner, m);
            return body == null || (body.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 ? null : owner;
        }

        private MethodNode body(String owner, MethodInsnNode m) {
            ClassNode c = classes.apply(owner);
            return c == null ? null : ClassFiles.method(c, m.name, m.desc);
        }

        /**
         * Arrays made here given to a call: an array of one class made here keeps its elements' class
         * if the body the call runs (known here, looked into {@link #SUMMARY_DEPTH} deep) neither stores
         * an object of another class into it nor lets it go ({@code b.update(bodies, dt)}); any other taints.
         */
        private void passedTo(MethodInsnNode m, List<? extends Known> args) {
            java.util.Map<Integer, Known> given = new java.util.HashMap<>();
            int slot = 0;
            for (Known v : args) {
                // (a list given on is not followed: what its body adds to it is not seen here)
                if (v.elementsOf() != null && v.arraysOf().equals(Set.of(v.elementsOf())) && !v.elementsOf().startsWith(LIST)
                        && !v.elementsOf().startsWith(ITERATOR)) {
                    given.put(slot, v);
                } else {
                    escapes(v);
                }
                slot += v.getSize();
            }
            if (given.isEmpty()) return;
            String owner = depth < SUMMARY_DEPTH ? bodyOwner(m, args) : null;
            if (owner == null) {
                for (Known v : given.values()) escapes(v);
                return;
            }
            // the analyser runs the call again as its frames grow, and the method is analysed in rounds: looked into once
            Set<String> inside = passes.computeIfAbsent(owner + "." + m.name + m.desc + given, key -> {
                Set<String> found = new HashSet<>();
                try {
                    analysed(owner, body(owner, m), classes, returns, depth + 1, given, found);
                } catch (AnalyzerException e) {
                    for (Known v : given.values()) found.addAll(v.arraysOf());
                }
                return found;
            });
            for (Known v : given.values()) if (inside.contains(v.elementsOf())) tainted.add(v.elementsOf());
        }

        /** By call and the arrays it is given, the classes its body taints (see {@link #passedTo}): for all rounds. */
        private final java.util.Map<String, Set<String>> passes;

        /** The class of the objects a call's body returns, when it is known and always one class made there; else null. */
        private String returned(MethodInsnNode m, List<? extends Known> args) {
            if (depth >= SUMMARY_DEPTH || !returnsProgramObject(m)) return null;
            String owner = bodyOwner(m, args);
            if (owner == null) return null;
            MethodNode body = body(owner, m);
            String key = owner + "." + m.name + m.desc;
            java.util.Optional<String> known = returns.get(key);
            if (known != null) return known.orElse(null);
            returns.put(key, java.util.Optional.empty()); // recursion: not known
            String made = null;
            try {
                Frame<Known>[] frames = analysed(owner, body, classes, returns, depth + 1);
                AbstractInsnNode[] insns = body.instructions.toArray();
                for (int i = 0; i < insns.length; i++) {
                    if (insns[i].getOpcode() != Opcodes.ARETURN || frames[i] == null) continue;
                    String k = frames[i].getStack(frames[i].getStackSize() - 1).className();
                    if (k == null || made != null && !made.equals(k)) {
                        made = null;
                        break;
                    }
                    made = k;
                }
            } catch (AnalyzerException e) {
                made = null;
            }
            returns.put(key, java.util.Optional.ofNullable(made));
            return made;
        }

        @Override
        public Known newValue(Type type) {
            return type == Type.VOID_TYPE ? null : Known.of(type == null ? 1 : type.getSize());
        }

        @Override
        public Known newOperation(AbstractInsnNode insn) {
            if (ListOp.isList(insn)) {
                String token = LIST + System.identityHashCode(insn);
                return tainted.contains(token) ? Known.ONE : new Known(1, null, token, Set.of(token));
            }
            if (insn.getOpcode() == Opcodes.NEW) return new Known(1, ((TypeInsnNode) insn).desc);
            return Known.of(OperandSizes.ofNew(insn));
        }

        @Override
        public Known copyOperation(AbstractInsnNode insn, Known value) {
            return value;
        }

        @Override
        public Known unaryOperation(AbstractInsnNode insn, Known value) {
            int op = insn.getOpcode();
            if (op == Opcodes.ANEWARRAY) {
                String c = ((TypeInsnNode) insn).desc;
                if (c.startsWith("[") || org.grad4j.transformer.analysis.CallResolver.isJdk(c) || tainted.contains(c)) return Known.ONE;
                return new Known(1, null, c, Set.of(c));
            }
            if (op == Opcodes.CHECKCAST && value.className() != null) return value; // passes, or throws
            if (op == Opcodes.CHECKCAST && value.elementsOf() != null && castKeeps(((TypeInsnNode) insn).desc, value.elementsOf())) {
                return value;
            }
            if (op != Opcodes.ARRAYLENGTH && op != Opcodes.IFNULL && op != Opcodes.IFNONNULL && op != Opcodes.INSTANCEOF) {
                escapes(value);
            }
            return Known.of(OperandSizes.ofUnary(insn));
        }

        @Override
        public Known binaryOperation(AbstractInsnNode insn, Known a, Known b) {
            if (insn.getOpcode() == Opcodes.AALOAD && a.elementsOf() != null) return new Known(1, a.elementsOf());
            if (insn.getOpcode() == Opcodes.PUTFIELD) escapes(b);
            return Known.of(OperandSizes.ofBinary(insn));
        }

        @Override
        public Known ternaryOperation(AbstractInsnNode insn, Known a, Known b, Known c) {
            if (insn.getOpcode() == Opcodes.AASTORE) {
                // into an array made here: an object of its class made here, or it no longer says what its elements are
                for (String of : a.arraysOf()) if (!of.equals(a.elementsOf()) || !of.equals(c.className())) tainted.add(of);
                escapes(c); // an array made here stored into another
            }
            return null;
        }

        /** Whether a cast of an array or list made here ({@code elements}: its class, or its token) to {@code type} keeps it one. */
        private static boolean castKeeps(String type, String elements) {
            if (elements.startsWith(ITERATOR)) return type.equals("java/util/Iterator");
            if (elements.startsWith(LIST)) return ListOp.isListType(type);
            return type.equals("[L" + elements + ";");
        }

        @Override
        public Known naryOperation(AbstractInsnNode insn, List<? extends Known> values) {
            Known listed = insn instanceof MethodInsnNode m ? listOperation(m, values) : null;
            if (listed != null) return listed;
            if (insn instanceof MethodInsnNode call) passedTo(call, values);
            else for (Known v : values) escapes(v); // captured by a lambda
            String made = insn instanceof MethodInsnNode call && !call.name.equals("<init>") ? returned(call, values) : null;
            if (made != null) return new Known(1, made);
            return Known.of(OperandSizes.ofCall(insn));
        }

        @Override
        public void returnOperation(AbstractInsnNode insn, Known value, Known expected) {
            escapes(value);
        }

        @Override
        public Known merge(Known a, Known b) {
            if (a.equals(b)) return a;
            if (a.size() != b.size()) return Known.ONE;
            if (a.arraysOf().isEmpty() && b.arraysOf().isEmpty()) return Known.of(a.size());
            Set<String> arrays = new HashSet<>(a.arraysOf());
            arrays.addAll(b.arraysOf());
            String elements = java.util.Objects.equals(a.elementsOf(), b.elementsOf()) ? a.elementsOf() : null;
            return new Known(a.size(), null, elements, Set.copyOf(arrays));
        }
    }
}
