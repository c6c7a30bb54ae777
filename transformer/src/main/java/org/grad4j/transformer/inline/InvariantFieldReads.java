package org.grad4j.transformer.inline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Reads of {@code this}'s fields, in a method that cannot change them, done once at its start:
 * every {@code this.w[i][j]} in a loop then reads a local, as C2 would make it in the method as
 * written.
 *
 * <p>Why: a model's loss reads its {@code @Parameter} arrays in its loops ({@code z += w1[i][j] *
 * x[j]}). In generated code each read is a statement of its own, with the parameter's shadow
 * looked up and, in a taped loop, the array and its shadow pushed in every iteration: a
 * 64-sample, 20-32-1 MLP of {@code double[][]} parameters took 1,072 µs per gradient, 156 µs with
 * the fields read once into locals by hand (primal 44 µs).
 *
 * <p>Sound only where nothing in the method can write such a field: an instance method that
 * never stores into slot 0, has no {@code putfield} of a field of that name and type, and calls
 * nothing but {@code java.lang.Math}/{@code StrictMath} and methods of its own class that are
 * themselves such methods (one level). A field read at the start that the method as written
 * would not have read is harmless: {@code this} is never null and reading a field changes
 * nothing. Volatile fields and fields the class does not declare are left alone.
 */
public final class InvariantFieldReads {
    private InvariantFieldReads() {}

    /**
     * The method with its invariant reads of {@code this}'s fields hoisted, or the method itself
     * when there is none. The original is not changed.
     *
     * @param classOf the class node of an internal name, or null when it cannot be read
     */
    public static MethodNode hoist(ClassNode owner, MethodNode method, Function<String, ClassNode> classOf) {
        // a constructor's this is not initialised before its super call: nothing may be read from it there
        if ((method.access & Opcodes.ACC_STATIC) != 0 || method.name.startsWith("<") || !mayOnlyRead(owner, method, true)) {
            return method;
        }
        // by owner, name and descriptor: a subclass may declare a field of the name and type of one
        // its superclass declares (this.w and super.w are two fields, two locals)
        Map<String, FieldNode> fields = new LinkedHashMap<>();
        for (AbstractInsnNode insn : method.instructions) {
            if (!isThisFieldRead(insn)) continue;
            FieldInsnNode get = (FieldInsnNode) insn.getNext();
            FieldNode declared = declared(classOf.apply(get.owner), get);
            if (declared != null && (declared.access & Opcodes.ACC_VOLATILE) == 0 && !writes(method, get)) {
                fields.putIfAbsent(key(get), declared);
            }
        }
        if (fields.isEmpty()) return method;
        MethodNode copy = org.grad4j.transformer.read.ClassFiles.copy(method);
        Map<String, Integer> locals = new LinkedHashMap<>();
        InsnList start = new InsnList();
        int next = method.maxLocals;
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (!isThisFieldRead(insn)) continue;
            FieldInsnNode get = (FieldInsnNode) insn.getNext();
            String key = key(get);
            if (!fields.containsKey(key)) continue;
            Type type = Type.getType(get.desc);
            Integer local = locals.get(key);
            if (local == null) {
                local = next;
                next += type.getSize();
                locals.put(key, local);
                int line = lineOf(insn); // errors about the read name the line of its first use
                if (line > 0) {
                    LabelNode at = new LabelNode();
                    start.add(at);
                    start.add(new LineNumberNode(line, at));
                }
                start.add(new VarInsnNode(Opcodes.ALOAD, 0));
                start.add(new FieldInsnNode(Opcodes.GETFIELD, get.owner, get.name, get.desc));
                start.add(new VarInsnNode(type.getOpcode(Opcodes.ISTORE), local));
            }
            copy.instructions.set(get, new VarInsnNode(type.getOpcode(Opcodes.ILOAD), local));
            copy.instructions.remove(insn);
        }
        int first = lineOf(firstInstruction(copy));
        if (first > 0) { // the method's own first instructions keep their line
            LabelNode at = new LabelNode();
            start.add(at);
            start.add(new LineNumberNode(first, at));
        }
        copy.instructions.insert(start);
        copy.maxLocals = next;
        copy.maxStack = Math.max(copy.maxStack, 2);
        return copy;
    }

    /**
     * {@code aload 0} directly followed by a {@code getfield} — not by an {@code arraylength} after
     * it: a length read stays where it is (it costs nothing, and reading only the length of the
     * array a gradient is taken at, through a field, is allowed where it is written).
     */
    private static boolean isThisFieldRead(AbstractInsnNode insn) {
        return insn instanceof VarInsnNode v && v.getOpcode() == Opcodes.ALOAD && v.var == 0
                && insn.getNext() instanceof FieldInsnNode f && f.getOpcode() == Opcodes.GETFIELD
                && (f.getNext() == null || f.getNext().getOpcode() != Opcodes.ARRAYLENGTH);
    }

    private static String key(FieldInsnNode get) {
        return get.owner + "." + get.name + get.desc;
    }

    /** The source line of the instruction: the last line number before it, or -1. */
    private static int lineOf(AbstractInsnNode insn) {
        for (AbstractInsnNode p = insn; p != null; p = p.getPrevious()) if (p instanceof LineNumberNode l) return l.line;
        return -1;
    }

    private static AbstractInsnNode firstInstruction(MethodNode m) {
        for (AbstractInsnNode insn : m.instructions) if (insn.getOpcode() >= 0) return insn;
        return null;
    }

    private static FieldNode declared(ClassNode c, FieldInsnNode get) {
        if (c == null) return null;
        for (FieldNode f : c.fields) if (f.name.equals(get.name) && f.desc.equals(get.desc)) return f;
        return null;
    }

    private static boolean writes(MethodNode m, FieldInsnNode field) {
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof FieldInsnNode f && f.getOpcode() == Opcodes.PUTFIELD && f.name.equals(field.name)
                    && f.desc.equals(field.desc)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the method leaves slot 0 as it is and calls only {@code Math}, {@code StrictMath}
     * and, when {@code followCalls}, methods of its own class that do the same and write no field.
     */
    private static boolean mayOnlyRead(ClassNode owner, MethodNode method, boolean followCalls) {
        for (AbstractInsnNode insn : method.instructions) {
            int op = insn.getOpcode();
            if (insn instanceof VarInsnNode v && v.var == 0 && op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) return false;
            if (op == Opcodes.INVOKEDYNAMIC || op == Opcodes.MONITORENTER) return false;
            if (!followCalls && (op == Opcodes.PUTFIELD || op == Opcodes.PUTSTATIC)) return false;
            if (insn instanceof MethodInsnNode call) {
                if (call.owner.equals("java/lang/Math") || call.owner.equals("java/lang/StrictMath")) continue;
                if (!followCalls || !call.owner.equals(owner.name)) return false;
                MethodNode callee = null;
                for (MethodNode m : owner.methods) if (m.name.equals(call.name) && m.desc.equals(call.desc)) callee = m;
                boolean exact = call.getOpcode() == Opcodes.INVOKESTATIC || call.getOpcode() == Opcodes.INVOKESPECIAL
                        || (owner.access & Opcodes.ACC_FINAL) != 0
                        || (callee != null && (callee.access & (Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0);
                if (callee == null || !exact || (callee.access & Opcodes.ACC_ABSTRACT) != 0
                        || !mayOnlyRead(owner, callee, false)) {
                    return false;
                }
            }
        }
        return true;
    }
}
