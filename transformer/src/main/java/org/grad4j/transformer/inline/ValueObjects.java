package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Scalar replacement of value objects: {@code new Vec2(Math.cos(a), Math.sin(a))} of a small
 * immutable class (a record, or a final class of final primitive fields set by its constructor)
 * becomes its fields, held in locals, when the object never leaves the method: it is only kept
 * in locals, read through its fields or accessors, and checked for null. Its methods must have
 * been inlined first ({@link Inliner}), so that {@code p.plus(q).dot(r)} is field reads and
 * arithmetic. What is left is plain code on doubles, which the rest of the pipeline differentiates;
 * objects cannot carry a derivative otherwise (no shadow fields), and a constructor given
 * differentiable values is refused.
 *
 * <p>Works on bytecode, before lifting. Each place a virtual object can come from — its {@code
 * new}, or a load of a local holding one — gets locals for the fields (its home), and so does
 * each local slot that holds one; a store copies the fields from the value's home into the
 * slot's, a load copies them back, a field read or accessor call reads the home's local.
 * Immutable objects make the copies exact. Where the operand stack merges two such places
 * ({@code c ? a : new Vec2(...)}) they share one home. Any other use — passed to a call not
 * inlined, stored into a field or array, returned, compared, synchronised on, merged with null
 * or an object from elsewhere — leaves the method as it was, and its refusal stands.
 */
public final class ValueObjects {
    private ValueObjects() {}

    /**
     * The method with its value objects replaced by their fields ({@code method} itself when it has
     * none or all escape), and, by class (internal name), why that class's objects were kept, in
     * words for a refusal. A class whose objects escape is left as it is and the others are still
     * replaced: a settings object passed to a helper does not stop a {@code Vec2} beside it.
     */
    public record Replaced(MethodNode method, Map<String, String> whyKept) {
        /** Why objects of {@code internalName} were kept, or null. */
        public String whyKept(String internalName) {
            return whyKept.get(internalName);
        }
    }

    /**
     * @param owner the internal name of the method's class
     * @param classes the class node for an internal name, or null when its bytecode is not found
     */
    public static Replaced replace(String owner, MethodNode method, Function<String, ClassNode> classes) {
        ValueClass.Cache values = new ValueClass.Cache(classes);
        Map<String, String> kept = new java.util.LinkedHashMap<>();
        if (!method.tryCatchBlocks.isEmpty()) {
            for (String c : candidates(method, values)) kept.put(c, "the method has a try block");
            return new Replaced(method, kept);
        }
        while (!candidates(method, values).isEmpty()) {
            try {
                return new Replaced(new Rewrite(owner, method, values).run(), kept);
            } catch (Escapes e) {
                if (e.of == null) {
                    for (String c : candidates(method, values)) kept.put(c, e.getMessage());
                    return new Replaced(method, kept);
                }
                kept.put(e.of.name, e.getMessage());
                values.exclude(e.of.name, e.getMessage()); // and the classes holding it: the others are tried again
            }
        }
        return new Replaced(method, kept);
    }

    /** The value classes whose objects the method makes ({@code new}) or reads as constants. */
    private static Set<String> candidates(MethodNode method, ValueClass.Cache values) {
        Set<String> found = new java.util.LinkedHashSet<>();
        for (AbstractInsnNode insn : method.instructions) {
            String made = insn.getOpcode() == Opcodes.NEW || insn.getOpcode() == Opcodes.ANEWARRAY ? ((TypeInsnNode) insn).desc
                    : insn.getOpcode() == Opcodes.GETSTATIC ? constantClass((FieldInsnNode) insn) : null;
            if (made != null && values.get(made) != null) found.add(made);
        }
        return found;
    }

    /** {@code Objects.requireNonNull(a)}: javac's null check before reading a constant field ({@code a.w} of {@code final double w = 0.5}). */
    private static boolean isNullCheck(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESTATIC && m.owner.equals("java/util/Objects")
                && m.name.equals("requireNonNull") && m.desc.equals("(Ljava/lang/Object;)Ljava/lang/Object;");
    }

    /** The class of a static field's object ({@code Complex.ZERO}), or null for a primitive or array. */
    private static String constantClass(FieldInsnNode get) {
        Type t = Type.getType(get.desc);
        return t.getSort() == Type.OBJECT ? t.getInternalName() : null;
    }

    /** Whether the class's objects could be replaced by their fields (see {@link ValueClass}). */
    public static boolean isValueClass(String internalName, Function<String, ClassNode> classes) {
        return new ValueClass.Cache(classes).get(internalName) != null;
    }

    /** A value object escapes, or is used in a way this pass does not follow. */
    private static final class Escapes extends RuntimeException {
        /** The class whose objects escape; null when the method as a whole is not followed. */
        final ValueClass of;

        Escapes(ValueClass of, String how) {
            super(how, null, false, false);
            this.of = of;
        }
    }

    private static String simpleName(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1).replace('$', '.');
    }

    /** The source line of each instruction (an inlined body's: its call's), 0 where none is known. */
    private static Map<AbstractInsnNode, Integer> lines(MethodNode method) {
        Map<AbstractInsnNode, Integer> lines = new IdentityHashMap<>();
        int line = 0;
        for (AbstractInsnNode insn : method.instructions) {
            if (insn instanceof org.objectweb.asm.tree.LineNumberNode n) line = n.line;
            lines.put(insn, line);
        }
        return lines;
    }

    /**
     * A value on the operand stack or in a local, as far as value objects go: of which class, if
     * it is one ({@code shape}); the instructions it may come from (a {@code new} or a load of a
     * local holding one); whether it may also be something else ({@code mixed}: null, a parameter,
     * an object from a field), which rules the class's objects out where such a value is used.
     */
    private record Val(int size, ValueClass shape, Set<AbstractInsnNode> from, boolean mixed, boolean array, boolean element)
            implements org.objectweb.asm.tree.analysis.Value {
        static final Val ONE = new Val(1, null, Set.of(), false);
        static final Val TWO = new Val(2, null, Set.of(), false);

        /** An object (not an array of them, nor read from one). */
        Val(int size, ValueClass shape, Set<AbstractInsnNode> from, boolean mixed) {
            this(size, shape, from, mixed, false, false);
        }

        Val(int size, ValueClass shape, Set<AbstractInsnNode> from, boolean mixed, boolean array) {
            this(size, shape, from, mixed, array, false);
        }

        boolean isArray() {
            return shape != null && array;
        }

        static Val plain(int size) {
            return size == 2 ? TWO : ONE;
        }

        static Val plain(Type t) {
            return plain(t.getSize());
        }

        boolean isObject() {
            return shape != null;
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    /** Follows value objects through the method ({@link Analyzer}); any use it does not follow escapes. */
    private static final class Follow extends Interpreter<Val> {
        private final ValueClass.Cache values;
        private final Map<AbstractInsnNode, Integer> lines;

        Follow(ValueClass.Cache values, Map<AbstractInsnNode, Integer> lines) {
            super(Opcodes.ASM9);
            this.values = values;
            this.lines = lines;
        }

        private Escapes escapes(AbstractInsnNode insn, Val v, String how) {
            int line = lines.getOrDefault(insn, 0);
            String what = "the " + simpleName(v.shape.name) + (line > 0 ? " used on line " + line : "");
            return new Escapes(v.shape, v.mixed ? what + " may be null or an object from elsewhere (a parameter, a field, a call)"
                    : what + " " + how);
        }

        @Override
        public Val newValue(Type type) {
            if (type == Type.VOID_TYPE) return null;
            return Val.plain(type == null ? 1 : type.getSize());
        }

        @Override
        public Val newOperation(AbstractInsnNode insn) {
            return switch (insn.getOpcode()) {
                case Opcodes.NEW -> {
                    ValueClass s = values.get(((TypeInsnNode) insn).desc);
                    yield s == null ? Val.ONE : new Val(1, s, Set.of(insn), false);
                }
                case Opcodes.LCONST_0, Opcodes.LCONST_1, Opcodes.DCONST_0, Opcodes.DCONST_1 -> Val.TWO;
                case Opcodes.LDC -> {
                    Object c = ((org.objectweb.asm.tree.LdcInsnNode) insn).cst;
                    yield Val.plain(c instanceof Long || c instanceof Double ? 2 : 1);
                }
                case Opcodes.GETSTATIC -> {
                    // Complex.ZERO: a constant of a value class, read field by field where it is read
                    FieldInsnNode get = (FieldInsnNode) insn;
                    String name = constantClass(get);
                    ValueClass s = name == null ? null : values.get(name);
                    yield s != null && s.readable() ? new Val(1, s, Set.of(insn), false) : Val.plain(Type.getType(get.desc));
                }
                default -> Val.ONE;
            };
        }

        @Override
        public Val copyOperation(AbstractInsnNode insn, Val value) {
            // a load of a local holding an object: a place of its own
            if (insn.getOpcode() == Opcodes.ALOAD && value.isObject()) {
                return new Val(1, value.shape, Set.of(insn), value.mixed, value.array, value.element);
            }
            return value;
        }

        @Override
        public Val unaryOperation(AbstractInsnNode insn, Val value) {
            int op = insn.getOpcode();
            if (op == Opcodes.ANEWARRAY) { // new Body[n]: an array of the fields' arrays
                ValueClass s = values.get(((TypeInsnNode) insn).desc);
                if (s != null) return new Val(1, s, Set.of(insn), false, true);
            }
            if (value.isArray()) {
                boolean follows = op == Opcodes.ARRAYLENGTH || op == Opcodes.IFNULL || op == Opcodes.IFNONNULL;
                if (!follows || value.mixed) throw escapes(insn, value, "array " + usedAs(op));
                return Val.ONE;
            }
            if (value.isObject()) {
                boolean follows = op == Opcodes.GETFIELD && ((FieldInsnNode) insn).owner.equals(value.shape.name)
                        || op == Opcodes.IFNULL || op == Opcodes.IFNONNULL;
                if (!follows || value.mixed) throw escapes(insn, value, usedAs(op));
                if ((op == Opcodes.IFNULL || op == Opcodes.IFNONNULL) && value.element && !throwsIfNull(insn)) {
                    // if (bodies[i] != null): an element may be null, which the arrays of fields do not hold
                    throw escapes(insn, value, "is read from an array and tested for null");
                }
            }
            if (op == Opcodes.GETFIELD && value.isObject() && value.shape.field(((FieldInsnNode) insn).name).of() != null) {
                // segment.a of a segment made here: an object of its own, its fields a range of the segment's
                return new Val(1, value.shape.field(((FieldInsnNode) insn).name).of(), Set.of(insn), false);
            }
            return switch (op) {
                case Opcodes.GETFIELD -> Val.plain(Type.getType(((FieldInsnNode) insn).desc));
                case Opcodes.I2L, Opcodes.I2D, Opcodes.F2L, Opcodes.F2D, Opcodes.LNEG, Opcodes.DNEG, Opcodes.L2D, Opcodes.D2L -> Val.TWO;
                default -> Val.ONE;
            };
        }

        /**
         * The inliner's check of a receiver ({@code ifnonnull L; aconst_null; athrow}): it throws for
         * null, as the read of an element never set already has.
         */
        private static boolean throwsIfNull(AbstractInsnNode insn) {
            if (insn.getOpcode() != Opcodes.IFNONNULL) return false;
            AbstractInsnNode next = insn.getNext();
            while (next != null && next.getOpcode() < 0) next = next.getNext();
            AbstractInsnNode after = next == null ? null : next.getNext();
            while (after != null && after.getOpcode() < 0) after = after.getNext();
            return next != null && next.getOpcode() == Opcodes.ACONST_NULL && after != null && after.getOpcode() == Opcodes.ATHROW;
        }

        private static String usedAs(int op) {
            return switch (op) {
                case Opcodes.ARETURN -> "is returned";
                case Opcodes.PUTSTATIC -> "is stored into a field";
                case Opcodes.CHECKCAST, Opcodes.INSTANCEOF -> "is cast or tested with instanceof";
                case Opcodes.MONITORENTER, Opcodes.MONITOREXIT -> "is synchronised on";
                default -> "is used as an object (" + org.objectweb.asm.util.Printer.OPCODES[op].toLowerCase() + ")";
            };
        }

        @Override
        public Val binaryOperation(AbstractInsnNode insn, Val a, Val b) {
            if (insn.getOpcode() == Opcodes.AALOAD && a.isArray() && !a.mixed && !b.isObject()) {
                return new Val(1, a.shape, Set.of(insn), false, false, true); // bodies[i]: read field by field from the arrays
            }
            if (a.isObject() || b.isObject()) {
                throw escapes(insn, a.isObject() ? a : b, insn.getOpcode() == Opcodes.PUTFIELD ? "is stored into a field"
                        : "is compared with == or !=");
            }
            return switch (insn.getOpcode()) {
                case Opcodes.LALOAD, Opcodes.DALOAD, Opcodes.LADD, Opcodes.DADD, Opcodes.LSUB, Opcodes.DSUB, Opcodes.LMUL,
                     Opcodes.DMUL, Opcodes.LDIV, Opcodes.DDIV, Opcodes.LREM, Opcodes.DREM, Opcodes.LSHL, Opcodes.LSHR,
                     Opcodes.LUSHR, Opcodes.LAND, Opcodes.LOR, Opcodes.LXOR -> Val.TWO;
                default -> Val.ONE;
            };
        }

        @Override
        public Val ternaryOperation(AbstractInsnNode insn, Val a, Val b, Val c) {
            if (a.isArray()) { // bodies[i] = body: its fields into the arrays
                if (a.mixed || c.isArray() || c.mixed || c.shape != a.shape) {
                    throw escapes(insn, a, "array is given null or an object from elsewhere");
                }
                return null;
            }
            if (c.isObject()) throw escapes(insn, c, "is stored into an array");
            return null;
        }

        @Override
        public Val naryOperation(AbstractInsnNode insn, List<? extends Val> values) {
            if (isNullCheck(insn) && values.get(0).isObject()) return values.get(0); // javac's a.w of a constant field
            checkNestedArguments(insn, values);
            for (int i = 0; i < values.size(); i++) {
                Val v = values.get(i);
                if (!v.isObject()) continue;
                if (i > 0 && !v.mixed && isNestedArgument(insn, values, i)) continue; // new Segment(a, b)
                if (i > 0 || v.mixed || !(insn instanceof MethodInsnNode call) || !call.owner.equals(v.shape.name)) {
                    String kept = insn instanceof MethodInsnNode m ? this.values.whyExcluded(m.owner) : null;
                    throw escapes(insn, v, kept != null // new Segment(v, null): the segment stays an object, and so v
                            ? "is passed to " + simpleName(((MethodInsnNode) insn).owner) + (((MethodInsnNode) insn).name.equals("<init>")
                                    ? "'s constructor" : "." + ((MethodInsnNode) insn).name) + ", which stays an object: " + kept
                            : "is passed to " + (insn instanceof MethodInsnNode m ? simpleName(m.owner) + "." + m.name
                                    + ", which is not inlined" : "a lambda or dynamic call"));
                }
                boolean construct = call.name.equals("<init>") && v.shape.constructors.containsKey(call.desc);
                boolean accessor = call.getOpcode() == Opcodes.INVOKEVIRTUAL && v.shape.accessors.containsKey(call.name + call.desc);
                if (!construct && !accessor) {
                    throw escapes(insn, v, call.name.equals("<init>") ? "is made by a constructor that does more than set its fields"
                            : "has its method " + call.name + " called, which is not inlined");
                }
            }
            if (!values.isEmpty() && values.get(0).isObject() && insn.getOpcode() == Opcodes.INVOKEVIRTUAL) {
                ValueClass.Field f = values.get(0).shape().field(values.get(0).shape().accessors.get(
                        ((MethodInsnNode) insn).name + ((MethodInsnNode) insn).desc));
                if (f.of() != null) return new Val(1, f.of(), Set.of(insn), false); // segment.a()
            }
            String desc = insn instanceof MethodInsnNode m ? m.desc
                    : insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode d ? d.desc : null;
            return desc == null ? Val.ONE : Val.plain(Type.getReturnType(desc));
        }

        /**
         * A constructor of a class made here must be given objects made here for its nested fields:
         * {@code new Seg(a, null)} leaves the segment an object.
         */
        private void checkNestedArguments(AbstractInsnNode insn, List<? extends Val> values) {
            if (!(insn instanceof MethodInsnNode call) || !call.name.equals("<init>") || values.isEmpty() || !values.get(0).isObject()) {
                return;
            }
            ValueClass made = values.get(0).shape();
            ValueClass.Constructor c = made.constructors.get(call.desc);
            if (c == null || c.from() == null) return;
            for (int f = 0; f < c.from().length; f++) {
                Val arg = values.get(c.from()[f] + 1);
                if (made.fields.get(f).of() != null && (!arg.isObject() || arg.mixed() || arg.array())) {
                    throw escapes(insn, values.get(0), "is given null or an object from elsewhere for its field "
                            + made.fields.get(f).name());
                }
            }
        }

        /** Whether argument {@code i} is an object a canonical constructor sets a field of its class to. */
        private static boolean isNestedArgument(AbstractInsnNode insn, List<? extends Val> values, int i) {
            if (!(insn instanceof MethodInsnNode call) || !call.name.equals("<init>") || !values.get(0).isObject()) return false;
            ValueClass made = values.get(0).shape();
            ValueClass.Constructor c = made.constructors.get(call.desc);
            if (c == null || c.from() == null) return false;
            for (int f = 0; f < c.from().length; f++) {
                if (c.from()[f] == i - 1) return !values.get(i).array() && made.fields.get(f).of() == values.get(i).shape();
            }
            return false;
        }

        @Override
        public void returnOperation(AbstractInsnNode insn, Val value, Val expected) {
            if (value.isObject()) throw escapes(insn, value, "is returned");
        }

        @Override
        public Val merge(Val a, Val b) {
            if (a.equals(b)) return a;
            if (a.size != b.size) return Val.ONE; // never read again (javac reuses slots)
            if (!a.isObject() && !b.isObject()) return a;
            if (a.isObject() && b.isObject() && (a.shape != b.shape || a.array != b.array)) {
                return new Val(1, a.shape, a.from, true); // a slot reused for another class: dead here, else refused where read
            }
            ValueClass shape = a.isObject() ? a.shape : b.shape;
            Set<AbstractInsnNode> from = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            from.addAll(a.from);
            from.addAll(b.from);
            boolean mixed = a.mixed || b.mixed || !a.isObject() || !b.isObject();
            return new Val(1, shape, from, mixed, a.isObject() ? a.array : b.array, a.element || b.element);
        }
    }

    /** The rewrite of one method, once the analysis has found no escape. */
    private static final class Rewrite {
        private final String owner;
        private final MethodNode method;
        private final ValueClass.Cache values;
        /** Places that share a home, by union-find: each place's representative. */
        private final Map<AbstractInsnNode, AbstractInsnNode> parent = new IdentityHashMap<>();
        private final Map<AbstractInsnNode, int[]> homes = new IdentityHashMap<>();
        private final Map<String, int[]> slotHomes = new HashMap<>(); // by "slot/class"
        private int nextLocal;

        Rewrite(String owner, MethodNode method, ValueClass.Cache values) {
            this.owner = owner;
            this.method = method;
            this.values = values;
        }

        MethodNode run() {
            Frame<Val>[] frames;
            try {
                frames = new Analyzer<>(new Follow(values, lines(method))).analyze(owner, method);
            } catch (AnalyzerException e) {
                if (e.getCause() instanceof Escapes escapes) throw escapes;
                throw new Escapes(null, e.getMessage());
            }
            AbstractInsnNode[] insns = method.instructions.toArray();
            boolean any = false;
            for (int i = 0; i < insns.length; i++) {
                Frame<Val> f = frames[i];
                if (f == null) continue;
                checkStackShuffles(insns[i], f);
                for (int s = 0; s < f.getStackSize(); s++) {
                    Val v = f.getStack(s);
                    if (v.isObject()) {
                        if (v.mixed) {
                            throw new Escapes(v.shape, "the " + simpleName(v.shape.name) + " may be null or an object from "
                                    + "elsewhere (a parameter, a field, a call)");
                        }
                        any = true;
                        union(v.from);
                    }
                }
                if (insns[i] instanceof VarInsnNode load && load.getOpcode() == Opcodes.ALOAD) {
                    Val held = f.getLocal(load.var);
                    if (held.isObject() && held.mixed) { // Vec2 best = null; ... best.x()
                        throw new Escapes(held.shape, "the " + simpleName(held.shape.name) + " is held in a variable that may "
                                + "also hold null or an object from elsewhere (a parameter, a field, a call)");
                    }
                }
            }
            if (!any) return method;
            MethodNode copy = Inliner.copyOf(method);
            nextLocal = method.maxLocals;
            AbstractInsnNode[] copies = copy.instructions.toArray();
            for (int i = 0; i < insns.length; i++) {
                Frame<Val> f = frames[i];
                if (f == null) continue;
                InsnList instead = rewrite(insns[i], copies[i], f);
                if (instead == null) continue;
                copy.instructions.insert(copies[i], instead);
                copy.instructions.remove(copies[i]);
            }
            // the stack maps name the objects: the lifter computes its own frames
            for (AbstractInsnNode insn : copy.instructions.toArray()) {
                if (insn.getType() == AbstractInsnNode.FRAME) copy.instructions.remove(insn);
            }
            copy.maxLocals = nextLocal;
            copy.maxStack = method.maxStack + 3; // a constant's dup and field
            withoutDeadCode(copy);
            return copy;
        }

        /**
         * Removes what can no longer run (the inliner's {@code athrow} of null after a receiver's
         * null check, which is now a {@code goto}), checking the rewrite on the way: a method the
         * analyzer rejects is left as it was.
         */
        private void withoutDeadCode(MethodNode copy) {
            Frame<org.objectweb.asm.tree.analysis.BasicValue>[] frames;
            try {
                frames = new Analyzer<>(new org.objectweb.asm.tree.analysis.BasicInterpreter()).analyze(owner, copy);
            } catch (AnalyzerException e) {
                throw new Escapes(null, "rewrite rejected: " + e.getMessage());
            }
            AbstractInsnNode[] insns = copy.instructions.toArray();
            for (int i = 0; i < insns.length; i++) {
                if (frames[i] == null && insns[i].getOpcode() >= 0) copy.instructions.remove(insns[i]);
            }
        }

        /**
         * Stack shuffles other than dup and pop of an object are not followed. They reach a number
         * of slots (a double is two), not of values: {@code pop2} of a double above an object
         * leaves the object alone.
         */
        private void checkStackShuffles(AbstractInsnNode insn, Frame<Val> f) {
            int op = insn.getOpcode();
            int slots = switch (op) {
                case Opcodes.DUP_X1, Opcodes.SWAP, Opcodes.DUP2, Opcodes.POP2 -> 2;
                case Opcodes.DUP_X2, Opcodes.DUP2_X1 -> 3;
                case Opcodes.DUP2_X2 -> 4;
                default -> 0;
            };
            for (int d = 1; slots > 0 && d <= f.getStackSize(); d++) {
                Val v = f.getStack(f.getStackSize() - d);
                if (v.isObject()) {
                    throw new Escapes(v.shape, "the " + simpleName(v.shape.name) + " is moved on the operand stack in a way "
                            + "grad4j does not follow (" + org.objectweb.asm.util.Printer.OPCODES[op].toLowerCase() + ")");
                }
                slots -= v.getSize();
            }
        }

        /** The instructions for {@code insn} (its copy: {@code copied}), null to keep it. */
        private InsnList rewrite(AbstractInsnNode insn, AbstractInsnNode copied, Frame<Val> f) {
            int op = insn.getOpcode();
            Val top = f.getStackSize() > 0 ? f.getStack(f.getStackSize() - 1) : null;
            InsnList out = new InsnList();
            switch (op) {
                case Opcodes.NEW -> {
                    return values.get(((TypeInsnNode) insn).desc) != null ? out : null;
                }
                case Opcodes.GETSTATIC -> {
                    String name = constantClass((FieldInsnNode) insn);
                    ValueClass shape = name == null ? null : values.get(name);
                    if (shape == null || !shape.readable()) return null;
                    int[] home = home(insn, shape);
                    out.add(insn.clone(null));
                    for (int k = 0; k < shape.size(); k++) {
                        out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
                        out.add(shape.read(k));
                        out.add(new VarInsnNode(shape.leaves.get(k).type().getOpcode(Opcodes.ISTORE), home[k]));
                    }
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.POP));
                    return out;
                }
                case Opcodes.DUP, Opcodes.POP -> {
                    return top.isObject() ? out : null;
                }
                case Opcodes.IFNULL -> {
                    return top.isObject() ? out : null; // never null
                }
                case Opcodes.IFNONNULL -> {
                    if (!top.isObject()) return null;
                    out.add(new JumpInsnNode(Opcodes.GOTO, ((JumpInsnNode) copied).label)); // the copy's label
                    return out;
                }
                case Opcodes.ASTORE -> {
                    if (!top.isObject()) return null;
                    copy(top, home(top), slotHome(((VarInsnNode) insn).var, top), out);
                    return out;
                }
                case Opcodes.ALOAD -> {
                    Val held = f.getLocal(((VarInsnNode) insn).var);
                    if (!held.isObject()) return null;
                    copy(held, slotHome(((VarInsnNode) insn).var, held), home(insn, held), out);
                    return out;
                }
                case Opcodes.ANEWARRAY -> {
                    ValueClass shape = values.get(((TypeInsnNode) insn).desc);
                    if (shape == null) return null;
                    // an array per field, and which elements are set (reading another throws, as the null would)
                    int count = nextLocal++;
                    int[] arrays = home(insn, new Val(1, shape, Set.of(insn), false, true));
                    out.add(new VarInsnNode(Opcodes.ISTORE, count));
                    for (int k = 0; k <= shape.size(); k++) {
                        out.add(new VarInsnNode(Opcodes.ILOAD, count));
                        out.add(new org.objectweb.asm.tree.IntInsnNode(Opcodes.NEWARRAY, k < shape.size()
                                ? newArrayType(shape.leaves.get(k).type()) : Opcodes.T_BOOLEAN));
                        out.add(new VarInsnNode(Opcodes.ASTORE, arrays[k]));
                    }
                    return out;
                }
                case Opcodes.ARRAYLENGTH -> {
                    if (!top.isArray()) return null;
                    out.add(new VarInsnNode(Opcodes.ALOAD, home(top)[top.shape.size()]));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ARRAYLENGTH));
                    return out;
                }
                case Opcodes.AALOAD -> {
                    Val array = f.getStack(f.getStackSize() - 2);
                    if (!array.isArray()) return null;
                    int[] arrays = home(array);
                    int[] into = home(insn, new Val(1, array.shape, Set.of(insn), false));
                    int index = nextLocal++;
                    out.add(new VarInsnNode(Opcodes.ISTORE, index));
                    org.objectweb.asm.tree.LabelNode set = new org.objectweb.asm.tree.LabelNode();
                    out.add(new VarInsnNode(Opcodes.ALOAD, arrays[array.shape.size()]));
                    out.add(new VarInsnNode(Opcodes.ILOAD, index));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.BALOAD));
                    out.add(new JumpInsnNode(Opcodes.IFNE, set));
                    out.add(new TypeInsnNode(Opcodes.NEW, "java/lang/NullPointerException"));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.DUP));
                    out.add(new MethodInsnNode(Opcodes.INVOKESPECIAL, "java/lang/NullPointerException", "<init>", "()V", false));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ATHROW));
                    out.add(set);
                    for (int k = 0; k < array.shape.size(); k++) {
                        Type t = array.shape.leaves.get(k).type();
                        out.add(new VarInsnNode(Opcodes.ALOAD, arrays[k]));
                        out.add(new VarInsnNode(Opcodes.ILOAD, index));
                        out.add(new org.objectweb.asm.tree.InsnNode(t.getOpcode(Opcodes.IALOAD)));
                        out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), into[k]));
                    }
                    return out;
                }
                case Opcodes.AASTORE -> {
                    Val array = f.getStack(f.getStackSize() - 3);
                    if (!array.isArray()) return null;
                    int[] arrays = home(array);
                    int[] from = home(top);
                    int index = nextLocal++;
                    out.add(new VarInsnNode(Opcodes.ISTORE, index));
                    for (int k = 0; k < array.shape.size(); k++) {
                        Type t = array.shape.leaves.get(k).type();
                        out.add(new VarInsnNode(Opcodes.ALOAD, arrays[k]));
                        out.add(new VarInsnNode(Opcodes.ILOAD, index));
                        out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), from[k]));
                        out.add(new org.objectweb.asm.tree.InsnNode(t.getOpcode(Opcodes.IASTORE)));
                    }
                    out.add(new VarInsnNode(Opcodes.ALOAD, arrays[array.shape.size()]));
                    out.add(new VarInsnNode(Opcodes.ILOAD, index));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.ICONST_1));
                    out.add(new org.objectweb.asm.tree.InsnNode(Opcodes.BASTORE));
                    return out;
                }
                case Opcodes.GETFIELD -> {
                    if (!top.isObject()) return null;
                    read(top, top.shape.field(((FieldInsnNode) insn).name), insn, out);
                    return out;
                }
                case Opcodes.INVOKESTATIC -> {
                    return isNullCheck(insn) && top.isObject() ? out : null; // never null; the object stays where it is
                }
                case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKESPECIAL -> {
                    MethodInsnNode call = (MethodInsnNode) insn;
                    Type[] args = Type.getArgumentTypes(call.desc);
                    if (f.getStackSize() <= args.length) return null;
                    Val receiver = f.getStack(f.getStackSize() - args.length - 1);
                    if (!receiver.isObject()) return null;
                    if (op == Opcodes.INVOKEVIRTUAL) { // an accessor
                        read(receiver, receiver.shape.field(receiver.shape.accessors.get(call.name + call.desc)), insn, out);
                        return out;
                    }
                    ValueClass.Constructor made = receiver.shape.constructors.get(call.desc);
                    int[] into = home(receiver);
                    if (made.body() != null) {
                        constructorBody(receiver.shape, made.body(), into, out);
                        return out;
                    }
                    // the canonical constructor: its arguments go into the fields they set
                    int[] from = made.from();
                    for (int a = args.length - 1; a >= 0; a--) {
                        Val arg = f.getStack(f.getStackSize() - args.length + a);
                        int field = -1;
                        for (int k = 0; k < from.length; k++) if (from[k] == a) field = k;
                        if (arg.isObject()) { // new Segment(a, b): a's fields into the segment's, nothing on the stack
                            if (field >= 0) copy(arg.shape, home(arg), 0, into, receiver.shape.fields.get(field).first(), out);
                        } else if (field < 0) {
                            out.add(new org.objectweb.asm.tree.InsnNode(args[a].getSize() == 2 ? Opcodes.POP2 : Opcodes.POP));
                        } else {
                            out.add(new VarInsnNode(args[a].getOpcode(Opcodes.ISTORE), into[receiver.shape.fields.get(field).first()]));
                        }
                    }
                    return out;
                }
                default -> {
                    return null;
                }
            }
        }

        /**
         * A constructor's body where its object is made: the arguments go into locals of its own,
         * {@code this} is gone (each of its loads only leads to a store into a field, which goes to
         * the object's local instead), its superclass's constructor call is dropped, a return
         * jumps to the end. Its line numbers are dropped (it reports the line of the {@code new}).
         */
        private void constructorBody(ValueClass shape, MethodNode init, int[] into, InsnList out) {
            int base = nextLocal - 1; // its slot s (s >= 1: its parameters and locals) is ours base + s
            nextLocal += init.maxLocals;
            Type[] params = Type.getArgumentTypes(init.desc);
            int[] slot = new int[params.length];
            for (int p = 0, at = 1; p < params.length; at += params[p].getSize(), p++) slot[p] = at;
            for (int p = params.length - 1; p >= 0; p--) out.add(new VarInsnNode(params[p].getOpcode(Opcodes.ISTORE), base + slot[p]));
            org.objectweb.asm.tree.LabelNode end = new org.objectweb.asm.tree.LabelNode();
            Map<org.objectweb.asm.tree.LabelNode, org.objectweb.asm.tree.LabelNode> labels = new HashMap<>();
            for (AbstractInsnNode insn : init.instructions) {
                if (insn instanceof org.objectweb.asm.tree.LabelNode l) labels.put(l, new org.objectweb.asm.tree.LabelNode());
            }
            boolean superCalled = false;
            for (AbstractInsnNode insn : init.instructions) {
                int op = insn.getOpcode();
                if (insn instanceof org.objectweb.asm.tree.LineNumberNode || insn.getType() == AbstractInsnNode.FRAME) continue;
                if (op == Opcodes.ALOAD && ((VarInsnNode) insn).var == 0) continue;
                if (!superCalled && op == Opcodes.INVOKESPECIAL) {
                    superCalled = true; // the superclass's constructor (isInlinableConstructor: the first call)
                    continue;
                }
                if (op == Opcodes.PUTFIELD) {
                    FieldInsnNode put = (FieldInsnNode) insn;
                    out.add(new VarInsnNode(Type.getType(put.desc).getOpcode(Opcodes.ISTORE), into[shape.field(put.name).first()]));
                } else if (op == Opcodes.RETURN) {
                    out.add(new JumpInsnNode(Opcodes.GOTO, end));
                } else if (insn instanceof VarInsnNode v) {
                    out.add(new VarInsnNode(op, base + v.var));
                } else if (insn instanceof org.objectweb.asm.tree.IincInsnNode inc) {
                    out.add(new org.objectweb.asm.tree.IincInsnNode(base + inc.var, inc.incr));
                } else {
                    out.add(insn.clone(labels));
                }
            }
            out.add(end);
        }

        /** An object's fields, or an array's arrays (references), from one home to another. */
        private void copy(Val v, int[] from, int[] to, InsnList out) {
            if (!v.array) {
                copy(v.shape, from, 0, to, 0, out);
                return;
            }
            for (int k = 0; k < from.length; k++) {
                out.add(new VarInsnNode(Opcodes.ALOAD, from[k]));
                out.add(new VarInsnNode(Opcodes.ASTORE, to[k]));
            }
        }

        private static int newArrayType(Type t) {
            return switch (t.getSort()) {
                case Type.BOOLEAN -> Opcodes.T_BOOLEAN;
                case Type.CHAR -> Opcodes.T_CHAR;
                case Type.BYTE -> Opcodes.T_BYTE;
                case Type.SHORT -> Opcodes.T_SHORT;
                case Type.INT -> Opcodes.T_INT;
                case Type.FLOAT -> Opcodes.T_FLOAT;
                case Type.LONG -> Opcodes.T_LONG;
                default -> Opcodes.T_DOUBLE;
            };
        }

        /** An object's fields, from {@code from[fromAt...]} to {@code to[toAt...]} (a nested object is a range). */
        private void copy(ValueClass shape, int[] from, int fromAt, int[] to, int toAt, InsnList out) {
            for (int k = 0; k < shape.size(); k++) {
                Type t = shape.leaves.get(k).type();
                out.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), from[fromAt + k]));
                out.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), to[toAt + k]));
            }
        }

        /**
         * A field read of an object made here (by {@code getfield} or its accessor, {@code at}): a
         * primitive's local, or a nested object's range of locals copied to the read's own home.
         */
        private void read(Val object, ValueClass.Field field, AbstractInsnNode at, InsnList out) {
            int[] home = home(object);
            if (field.of() == null) {
                out.add(new VarInsnNode(Type.getType(field.desc()).getOpcode(Opcodes.ILOAD), home[field.first()]));
            } else {
                copy(field.of(), home, field.first(), home(at, field.of()), 0, out);
            }
        }

        private int[] home(Val v) {
            return home(v.from.iterator().next(), v);
        }

        private int[] home(AbstractInsnNode place, ValueClass shape) {
            return homes.computeIfAbsent(find(place), p -> locals(shape));
        }

        /** The home of a place holding {@code kind}: an object's fields, or an array's arrays (one per field, and which are set). */
        private int[] home(AbstractInsnNode place, Val kind) {
            return kind.array ? homes.computeIfAbsent(find(place), p -> arrayLocals(kind.shape)) : home(place, kind.shape);
        }

        private int[] slotHome(int slot, Val kind) {
            return slotHomes.computeIfAbsent(slot + "/" + kind.shape.name + (kind.array ? "[]" : ""),
                    k -> kind.array ? arrayLocals(kind.shape) : locals(kind.shape));
        }

        private int[] arrayLocals(ValueClass shape) {
            int[] at = new int[shape.size() + 1];
            for (int k = 0; k < at.length; k++) at[k] = nextLocal++;
            return at;
        }

        private int[] locals(ValueClass shape) {
            int[] at = new int[shape.size()];
            for (int k = 0; k < at.length; k++) {
                at[k] = nextLocal;
                nextLocal += shape.leaves.get(k).type().getSize();
            }
            return at;
        }

        private void union(Set<AbstractInsnNode> places) {
            AbstractInsnNode first = null;
            for (AbstractInsnNode p : places) {
                if (first == null) first = find(p);
                else parent.put(find(p), first);
            }
        }

        private AbstractInsnNode find(AbstractInsnNode p) {
            AbstractInsnNode up = parent.getOrDefault(p, p);
            if (up == p) return p;
            AbstractInsnNode root = find(up);
            parent.put(p, root);
            return root;
        }
    }
}
