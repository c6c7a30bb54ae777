package org.grad4j.transformer.inline;

import static org.grad4j.transformer.inline.ValueObjects.isNullCheck;
import static org.grad4j.transformer.inline.ValueObjects.simpleName;
import static org.grad4j.transformer.inline.ValueObjects.usedAs;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Interpreter;

/**
 * Follows objects of mutable classes made in a method for {@link MutableObjects}, as an ASM
 * {@code Analyzer}'s interpreter: which stack values and locals may be an object made here, and
 * by which {@code new} (its site). Field reads and writes, null checks, casts that pass and
 * {@code Object}'s constructor are followed; any other use throws {@link MutableObjects.Kept}
 * for the class.
 */
final class MutableFlow extends Interpreter<MutableFlow.Ref> {
    /**
     * A value on the operand stack or in a local: {@code sites}, the {@code new} instructions of
     * the objects it may be (empty for anything else); {@code other}, whether it may also be
     * something else (null, a parameter, an object from a field or a call).
     */
    record Ref(int size, Set<AbstractInsnNode> sites, boolean other) implements org.objectweb.asm.tree.analysis.Value {
        static final Ref ONE = new Ref(1, Set.of(), true);
        static final Ref TWO = new Ref(2, Set.of(), true);

        static Ref plain(int size) {
            return size == 2 ? TWO : ONE;
        }

        boolean isObject() {
            return !sites.isEmpty();
        }

        @Override
        public int getSize() {
            return size;
        }
    }

    /** By {@code new} instruction, the class of the objects made there that are followed. */
    private final Map<AbstractInsnNode, MutableClass> sites;
    private final Map<AbstractInsnNode, Integer> lines;
    private final Function<MethodInsnNode, String> whyNotInlined;

    MutableFlow(Map<AbstractInsnNode, MutableClass> sites, Map<AbstractInsnNode, Integer> lines,
                Function<MethodInsnNode, String> whyNotInlined) {
        super(Opcodes.ASM9);
        this.sites = sites;
        this.lines = lines;
        this.whyNotInlined = whyNotInlined;
    }

    /** The class of the objects a value may be (all of one class, or the first site's). */
    MutableClass classOf(Ref v) {
        return sites.get(v.sites().iterator().next());
    }

    /** The class's objects are kept: {@code v} is used at {@code insn} as {@code how} says. */
    MutableObjects.Kept kept(AbstractInsnNode insn, Ref v, String how) {
        return kept(insn, v, "used", how);
    }

    /** The class's objects are kept: the one {@code v} is {@code done} ("made", "used") at {@code insn} as {@code how} says. */
    MutableObjects.Kept kept(AbstractInsnNode insn, Ref v, String done, String how) {
        MutableClass c = classOf(v);
        int line = lines.getOrDefault(insn, 0);
        return new MutableObjects.Kept(c, "the " + simpleName(c.name()) + (line > 0 ? " " + done + " on line " + line : "") + " "
                + how);
    }

    @Override
    public Ref newValue(Type type) {
        if (type == Type.VOID_TYPE) return null;
        return Ref.plain(type == null ? 1 : type.getSize());
    }

    @Override
    public Ref newOperation(AbstractInsnNode insn) {
        if (insn.getOpcode() == Opcodes.NEW && sites.containsKey(insn)) return new Ref(1, Set.of(insn), false);
        return Ref.plain(OperandSizes.ofNew(insn));
    }

    @Override
    public Ref copyOperation(AbstractInsnNode insn, Ref value) {
        return value; // the same object, in another place
    }

    @Override
    public Ref unaryOperation(AbstractInsnNode insn, Ref value) {
        int op = insn.getOpcode();
        if (value.isObject()) {
            MutableClass c = classOf(value);
            switch (op) {
                case Opcodes.GETFIELD -> {
                    FieldInsnNode get = (FieldInsnNode) insn;
                    if (c.field(get.owner, get.name) == null) throw kept(insn, value, "has a field read grad4j cannot place");
                    return Ref.plain(Type.getType(get.desc).getSize());
                }
                case Opcodes.IFNULL, Opcodes.IFNONNULL -> {
                    return null;
                }
                case Opcodes.INSTANCEOF -> {
                    return Ref.ONE; // its class is known here: a constant (MutableObjects)
                }
                case Opcodes.CHECKCAST -> {
                    if (c.isA(((TypeInsnNode) insn).desc)) return value;
                    throw kept(insn, value, "is cast to a class it is not");
                }
                default -> throw kept(insn, value, usedAs(op));
            }
        }
        return Ref.plain(OperandSizes.ofUnary(insn));
    }

    @Override
    public Ref binaryOperation(AbstractInsnNode insn, Ref a, Ref b) {
        if (insn.getOpcode() == Opcodes.PUTFIELD) {
            if (b.isObject()) {
                throw kept(insn, b, "is stored into a field (of another object: grad4j follows an object "
                        + "only in local variables)");
            }
            if (a.isObject()) {
                FieldInsnNode put = (FieldInsnNode) insn;
                if (classOf(a).field(put.owner, put.name) == null) throw kept(insn, a, "has a field set grad4j cannot place");
            }
            return null;
        }
        if (a.isObject()) throw kept(insn, a, usedAs(insn.getOpcode()));
        if (b.isObject()) throw kept(insn, b, usedAs(insn.getOpcode()));
        return Ref.plain(OperandSizes.ofBinary(insn));
    }

    @Override
    public Ref ternaryOperation(AbstractInsnNode insn, Ref a, Ref b, Ref c) {
        if (c.isObject()) throw kept(insn, c, usedAs(insn.getOpcode()));
        return null;
    }

    @Override
    public Ref naryOperation(AbstractInsnNode insn, List<? extends Ref> values) {
        if (isNullCheck(insn) && values.get(0).isObject()) return values.get(0); // javac's check before a constant field
        for (int i = 0; i < values.size(); i++) {
            Ref v = values.get(i);
            if (!v.isObject()) continue;
            if (i == 0 && isObjectConstructor(insn)) continue; // what a constructor inlined here calls first
            if (v.other()) { // its class unknown here, so is the body the call runs
                throw kept(insn, v, "may be null or an object from elsewhere (a parameter, a field, a call) where it is used");
            }
            if (v.sites().size() > 1 && i == 0 && insn instanceof MethodInsnNode m && m.getOpcode() != Opcodes.INVOKESTATIC) {
                throw kept(insn, v, "may be one of several objects where its method " + m.name
                        + " is called: grad4j follows an object held where it is used by one variable, made in one place");
            }
            if (insn instanceof MethodInsnNode call) {
                String name = call.name.equals("<init>") ? simpleName(call.owner) + "'s constructor"
                        : simpleName(call.owner) + "." + call.name;
                throw kept(insn, v, (i == 0 && !call.name.equals("<init>") && insn.getOpcode() != Opcodes.INVOKESTATIC
                        ? "has its method " + name + " called" : "is passed to " + name)
                        + ", which is not inlined" + whyNotInlined.apply(call));
            }
            throw kept(insn, v, "is captured by a lambda or passed to a dynamic call");
        }
        String desc = insn instanceof MethodInsnNode m ? m.desc
                : insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode d ? d.desc : null;
        return desc == null ? Ref.ONE : Ref.plain(Math.max(1, Type.getReturnType(desc).getSize()));
    }

    /** {@code invokespecial Object.<init>()}: the superclass constructor every class's constructors end in. */
    static boolean isObjectConstructor(AbstractInsnNode insn) {
        return insn instanceof MethodInsnNode m && m.getOpcode() == Opcodes.INVOKESPECIAL && MutableClass.isRoot(m.owner)
                && m.name.equals("<init>");
    }

    @Override
    public void returnOperation(AbstractInsnNode insn, Ref value, Ref expected) {
        if (value.isObject()) throw kept(insn, value, "is returned");
    }

    @Override
    public Ref merge(Ref a, Ref b) {
        if (a.equals(b)) return a;
        if (a.size != b.size) return Ref.ONE; // never read again (javac reuses slots)
        if (!a.isObject() && !b.isObject()) return a;
        Set<AbstractInsnNode> sites = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        sites.addAll(a.sites);
        sites.addAll(b.sites);
        return new Ref(1, Set.copyOf(sites), a.other || b.other);
    }
}
