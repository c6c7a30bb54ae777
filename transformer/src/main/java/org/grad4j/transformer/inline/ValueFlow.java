package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.constantClass;
import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;
import static org.grad4j.transformer.inline.ValueObjects.usedAs;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.transformer.inline.ValueObjects.Escapes;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Follows value objects through a method for {@link ValueObjects}, as an ASM {@code Analyzer}'s
 * interpreter: which stack values and locals are objects (or arrays of them) made here, and where
 * they may come from. Any use it does not follow throws {@link ValueObjects.Escapes} for the class.
 */
final class ValueFlow extends Interpreter<ValueFlow.Val> {
    /**
     * A value on the operand stack or in a local, as far as value objects go:
     * <ul>
     *   <li>{@code shape}: the value class of an object (or array of them) made here; null for
     *       anything else;</li>
     *   <li>{@code from}: the places it may come from (a {@code new}, a load of a local holding
     *       one, a read of an element or a field); places the stack merges share a home;</li>
     *   <li>{@code mixed}: it may also be something else (null, a parameter, an object from a
     *       field), which rules the class's objects out where such a value is used;</li>
     *   <li>{@code array}: an array of such objects ({@link #isArrayOfObjects}), not one;</li>
     *   <li>{@code element}: it may be null though made of such objects (an element of an array
     *       never set, a static field), so it carries whether it is there.</li>
     * </ul>
     */
    record Val(int size, ValueClass shape, Set<AbstractInsnNode> from, boolean mixed, boolean array, boolean element)
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

        boolean isArrayOfObjects() {
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

        /** A {@code null} not yet known to stand for an object of a class followed here ({@code Vec2 prev = null}). */
        boolean isNull() {
            return shape == null && !from.isEmpty();
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    private final ValueClass.Cache values;
    private final Map<AbstractInsnNode, Integer> lines;

    private final org.grad4j.transformer.read.ClassHierarchy hierarchy;

    /** Why a call of the program's is not inlined, found by the caller (HelperBodies), or "". */
    private final java.util.function.Function<MethodInsnNode, String> reasons;

    /** The internal name of the method's class: who makes objects again where they are turned into text. */
    private final String owner;

    /** The element stores of the arrays of a formatting call's arguments ({@link FormatArguments}). */
    private final Set<AbstractInsnNode> formatStores;

    /**
     * The {@code aconst_null}s found (by an analysis before) to meet objects of a class followed
     * here, by that class: such a null is an absent object of it ({@code Vec2 prev = null}), which
     * carries whether it is there as an element of an array does.
     */
    private final Map<AbstractInsnNode, ValueClass> nulls;

    ValueFlow(String owner, Set<AbstractInsnNode> formatStores, Map<AbstractInsnNode, ValueClass> nulls, ValueClass.Cache values,
              Map<AbstractInsnNode, Integer> lines, org.grad4j.transformer.read.ClassHierarchy hierarchy,
              java.util.function.Function<MethodInsnNode, String> reasons) {
        super(Opcodes.ASM9);
        this.owner = owner;
        this.formatStores = formatStores;
        this.nulls = nulls;
        this.values = values;
        this.lines = lines;
        this.hierarchy = hierarchy;
        this.reasons = reasons;
    }

    private Escapes escapes(AbstractInsnNode insn, Val v, String how) {
        return escapes(insn, v, how, false);
    }

    /** @param evenIfMixed {@code how} is the reason even where the value may be something else too */
    private Escapes escapes(AbstractInsnNode insn, Val v, String how, boolean evenIfMixed) {
        int line = lines.getOrDefault(insn, 0);
        String what = "the " + simpleName(v.shape.name) + (line > 0 ? " used on line " + InlinedLines.text(line) : "");
        String other = v.mixed && !evenIfMixed ? anotherClassMadeFor(insn, v) : null;
        if (other != null) {
            return new Escapes(v.shape, what + " may also be a " + other + " made in the method (one variable for objects of "
                    + "two classes, a sealed interface's cases say: grad4j replaces an object made here by its fields, which needs "
                    + "one class per variable; use each object where it is made and choose between the results, c ? new A(..).f(x) "
                    + ": new B(..).f(x), or c ? area(new A(..)) : area(new B(..)))");
        }
        return new Escapes(v.shape, v.mixed && !evenIfMixed
                ? what + " may be null, an object of another class, or one from elsewhere (a parameter, a field, a call)"
                : what + " " + how);
    }

    /**
     * Where {@code insn} calls a method of a type that {@code v}'s class is one of, or tests or
     * casts to another class, another class of that type the method makes ({@code Distribution d =
     * c ? new Normal(..) : new Laplace(..); d.logPdf(x)}; {@code Shape s = c ? new Rect(..) : new
     * Circle(..); if (s instanceof Circle k) ..}), with the line it is made on; else null.
     */
    private String anotherClassMadeFor(AbstractInsnNode insn, Val v) {
        // the type the use asks for: a method's owner, or what a test or cast names (a sealed interface's case: s instanceof Circle c)
        String asked = insn instanceof MethodInsnNode call ? call.owner
                : (insn.getOpcode() == Opcodes.INSTANCEOF || insn.getOpcode() == Opcodes.CHECKCAST) ? ((TypeInsnNode) insn).desc : null;
        if (asked == null || asked.equals(v.shape.name)) return null;
        for (AbstractInsnNode made : lines.keySet()) {
            if (made.getOpcode() != Opcodes.NEW) continue;
            String c = ((TypeInsnNode) made).desc;
            if (c.equals(v.shape.name) || !hierarchy.isSubtype(c, asked)) continue;
            int line = lines.getOrDefault(made, 0);
            return simpleName(c) + (line > 0 ? " (line " + InlinedLines.text(line) + ")" : "");
        }
        return null;
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
            case Opcodes.GETSTATIC -> {
                // Complex.ZERO: a constant of a value class, read field by field where it is read
                FieldInsnNode get = (FieldInsnNode) insn;
                String name = constantClass(get);
                ValueClass s = name == null ? null : values.get(name);
                // a static field may hold null (an optional setting): like an array's element, it carries whether it is there
                yield s != null && s.readable() && !s.holdsArrays() && s.constantsFollowed ? new Val(1, s, Set.of(insn), false, false, true)
                        : Val.plain(Type.getType(get.desc));
            }
            case Opcodes.ACONST_NULL -> nulls.containsKey(insn) ? new Val(1, nulls.get(insn), Set.of(insn), false, false, true)
                    : new Val(1, null, Set.of(insn), false);
            default -> Val.plain(OperandSizes.ofNew(insn));
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
            if (s != null && s.holdsArrays()) throw escapes(insn, new Val(1, s, Set.of(insn), false, true), "is kept in an array "
                    + "(objects holding " + s.references() + " are replaced by their fields only in locals)");
            if (s != null) return new Val(1, s, Set.of(insn), false, true);
        }
        if (value.isArrayOfObjects()) {
            boolean follows = op == Opcodes.ARRAYLENGTH || op == Opcodes.IFNULL || op == Opcodes.IFNONNULL;
            if (!follows || value.mixed) throw escapes(insn, value, "array " + usedAs(op));
            return Val.ONE;
        }
        if (value.isNull() && op == Opcodes.CHECKCAST) return value; // (Vec2) null is the same null
        if (value.isObject() && !value.mixed && !value.array && value.element() && op == Opcodes.INSTANCEOF) {
            return Val.ONE; // whether it is there, where its class is one (ValueRewrite)
        }
        if (value.isObject() && !value.mixed && !value.array && value.element() && op == Opcodes.CHECKCAST
                && hierarchy.isSubtype(value.shape.name, ((TypeInsnNode) insn).desc)) {
            return value; // a cast that passes, null or not (javac's pattern variable: (Vec2) last after the test)
        }
        if (value.isObject() && !value.mixed && !value.element() && (op == Opcodes.INSTANCEOF || op == Opcodes.CHECKCAST)) {
            // its class is known here: a test is a constant, a cast either passes or cannot (ValueRewrite)
            boolean is = hierarchy.isSubtype(value.shape.name, ((TypeInsnNode) insn).desc);
            return op == Opcodes.CHECKCAST && is ? value : Val.ONE;
        }
        if (value.isObject()) {
            boolean follows = op == Opcodes.GETFIELD && ((FieldInsnNode) insn).owner.equals(value.shape.name)
                    || op == Opcodes.IFNULL || op == Opcodes.IFNONNULL;
            if (!follows || value.mixed) throw escapes(insn, value, usedAs(op));
        }
        if (op == Opcodes.GETFIELD && value.isObject() && value.shape.field(((FieldInsnNode) insn).name).of() != null) {
            // segment.a of a segment made here: an object of its own, its fields a range of the segment's
            return new Val(1, value.shape.field(((FieldInsnNode) insn).name).of(), Set.of(insn), false);
        }
        return Val.plain(OperandSizes.ofUnary(insn));
    }


    @Override
    public Val binaryOperation(AbstractInsnNode insn, Val a, Val b) {
        if (insn.getOpcode() == Opcodes.AALOAD && a.isArrayOfObjects() && !a.mixed && !b.isObject()) {
            return new Val(1, a.shape, Set.of(insn), false, false, true); // bodies[i]: read field by field from the arrays
        }
        if (a.isObject() || b.isObject()) {
            throw escapes(insn, a.isObject() ? a : b, usedAs(insn.getOpcode()));
        }
        return Val.plain(OperandSizes.ofBinary(insn));
    }

    @Override
    public Val ternaryOperation(AbstractInsnNode insn, Val a, Val b, Val c) {
        if (a.isArrayOfObjects()) { // bodies[i] = body: its fields into the arrays
            if (a.mixed || c.isArrayOfObjects() || c.mixed || c.shape != a.shape) {
                throw escapes(insn, a, "is stored into an array of them made here where an element is null or an object from "
                        + "elsewhere (a parameter, a field, a call; or a field of an object stored into an array, never set)");
            }
            return null;
        }
        if (c.isObject() && formatStores.contains(insn)) { // String.format("%s", v): v made into text
            madeIntoText(insn, c, "a formatting call");
            return null;
        }
        // (shapes[i] = c ? new Circle(r) : new Square(a): the array it goes to is the reason, not the choice)
        if (c.isObject()) throw escapes(insn, c, usedAs(insn.getOpcode()), true);
        return null;
    }

    private String whyNotInlined(MethodInsnNode call) {
        return Inliner.whyNotInlined(call, values.method(call.owner, call.name, call.desc), reasons.apply(call));
    }

    @Override
    public Val naryOperation(AbstractInsnNode insn, List<? extends Val> values) {
        if (isNullCheck(insn) && values.get(0).isObject()) return values.get(0); // javac's a.w of a constant field
        if (TextSinks.isSink(insn)) return madeIntoText(insn, values);
        java.util.BitSet nested = nestedArguments(insn, values);
        for (int i = 0; i < values.size(); i++) {
            Val v = values.get(i);
            if (!v.isObject() || nested.get(i)) continue; // new Segment(a, b): a and b are its parts
            if (i > 0 || v.mixed || !(insn instanceof MethodInsnNode call) || !call.owner.equals(v.shape.name)) {
                String kept = insn instanceof MethodInsnNode m ? this.values.whyExcluded(m.owner) : null;
                if (kept == null && insn instanceof MethodInsnNode m && m.name.equals("<init>")) {
                    kept = this.values.whyNotValueClass(m.owner); // new Circle(new Pt(x, y), r): why Circle is not followed
                }
                throw escapes(insn, v, kept != null // new Segment(v, null): the segment stays an object, and so v
                        ? "is passed to " + simpleName(((MethodInsnNode) insn).owner) + (((MethodInsnNode) insn).name.equals("<init>")
                                ? "'s constructor" : "." + ((MethodInsnNode) insn).name) + ", which stays an object: " + kept
                        : "is passed to " + (insn instanceof MethodInsnNode m ? simpleName(m.owner) + "." + m.name
                                + ", which is not inlined" + whyNotInlined(m) : "a lambda or dynamic call"));
            }
            boolean construct = call.name.equals("<init>") && v.shape.constructors.containsKey(call.desc);
            boolean accessor = call.getOpcode() == Opcodes.INVOKEVIRTUAL && v.shape.accessors.containsKey(call.name + call.desc);
            if (!construct && !accessor) {
                throw escapes(insn, v, call.name.equals("<init>") ? "is made by a constructor that does more than set its fields"
                        : "has its method " + call.name + " called, which is not inlined" + whyNotInlined(call));
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
     * A call that turns its arguments into text ({@link TextSinks}): an object made here among them
     * is made again there from its fields (ValueRewrite), when its class can be.
     */
    private Val madeIntoText(AbstractInsnNode sink, List<? extends Val> values) {
        for (Val v : values) if (v.isObject()) madeIntoText(sink, v, TextSinks.describe(sink));
        String desc = sink instanceof MethodInsnNode m ? m.desc : ((org.objectweb.asm.tree.InvokeDynamicInsnNode) sink).desc;
        return Val.plain(Type.getReturnType(desc));
    }

    /** An object made into text by {@code sink} ({@code call} in words): it must be one object made here, of a class that can be made again. */
    private void madeIntoText(AbstractInsnNode sink, Val v, String call) {
        if (v.isArrayOfObjects() || v.mixed) throw escapes(sink, v, (v.array ? "array " : "") + "is passed to " + call);
        if (v.shape.rebuilderFor(owner) == null) {
            throw escapes(sink, v, "is turned into text (" + call + "), and grad4j makes it again there only "
                    + "where it can call a constructor that sets each field from a parameter of its own (a record's "
                    + "canonical constructor), its fields numbers, strings, enum constants or such objects, not arrays");
        }
    }

    /**
     * The arguments (by index in {@code values}) that a canonical constructor of a class made here
     * sets nested fields to. Each must be an object made here of the field's class: {@code new
     * Seg(a, null)} leaves the segment an object.
     */
    private java.util.BitSet nestedArguments(AbstractInsnNode insn, List<? extends Val> values) {
        java.util.BitSet nested = new java.util.BitSet();
        if (!(insn instanceof MethodInsnNode call) || !call.name.equals("<init>") || values.isEmpty() || !values.get(0).isObject()) {
            return nested;
        }
        ValueClass made = values.get(0).shape();
        ValueClass.Constructor c = made.constructors.get(call.desc);
        if (c == null || c.from() == null) return nested;
        for (int f = 0; f < c.from().length; f++) {
            ValueClass part = made.fields.get(f).of();
            if (part == null) continue;
            Val arg = values.get(c.from()[f] + 1);
            if (!arg.isObject() || arg.mixed() || arg.array() || arg.shape() != part) {
                throw escapes(insn, values.get(0), "is given null or an object from elsewhere for its field "
                        + made.fields.get(f).name());
            }
            nested.set(c.from()[f] + 1);
        }
        return nested;
    }

    @Override
    public void returnOperation(AbstractInsnNode insn, Val value, Val expected) {
        if (value.isObject()) throw escapes(insn, value, "is returned");
    }

    @Override
    public Val merge(Val a, Val b) {
        if (a.equals(b)) return a;
        if (a.size != b.size) return Val.ONE; // never read again (javac reuses slots)
        if (a.isNull() && b.isNull()) return new Val(1, null, union(a.from, b.from), false);
        if (!a.isObject() && !b.isObject()) return Val.plain(a.size);
        if (a.isObject() && !a.array && b.isNull() || b.isObject() && !b.array && a.isNull()) {
            // Vec2 prev = null, then an object: it may be absent, so it carries whether it is there
            Val object = a.isObject() ? a : b;
            return new Val(1, object.shape, union(a.from, b.from), object.mixed, false, true);
        }
        if (a.isObject() && b.isObject() && (a.shape != b.shape || a.array != b.array)) {
            return new Val(1, a.shape, a.from, true); // a slot reused for another class: dead here, else refused where read
        }
        ValueClass shape = a.isObject() ? a.shape : b.shape;
        Set<AbstractInsnNode> from = union(a.from, b.from);
        boolean mixed = a.mixed || b.mixed || !a.isObject() || !b.isObject();
        return new Val(1, shape, from, mixed, a.isObject() ? a.array : b.array, a.element || b.element);
    }

    private static Set<AbstractInsnNode> union(Set<AbstractInsnNode> a, Set<AbstractInsnNode> b) {
        Set<AbstractInsnNode> from = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        from.addAll(a);
        from.addAll(b);
        return from;
    }
}
