package org.grad4j.transformer.ir;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;

/** A constant, kept as the instruction that pushes it so code generation can re-emit it. */
public final class Const extends Value {
    private final AbstractInsnNode push;

    public Const(AbstractInsnNode push, Type type) {
        super(type);
        this.push = push;
    }

    /** A fresh copy of the instruction that pushes this constant. */
    public AbstractInsnNode push() {
        return push.clone(java.util.Map.of());
    }

    /** Whether this is {@code null}. */
    public boolean isNull() {
        return push.getOpcode() == Opcodes.ACONST_NULL;
    }

    /** Whether this is the int constant {@code v} ({@code true} is 1, {@code false} 0). */
    public boolean isInt(int v) {
        return switch (push.getOpcode()) {
            case Opcodes.ICONST_M1, Opcodes.ICONST_0, Opcodes.ICONST_1, Opcodes.ICONST_2, Opcodes.ICONST_3,
                    Opcodes.ICONST_4, Opcodes.ICONST_5 -> push.getOpcode() - Opcodes.ICONST_0 == v;
            case Opcodes.BIPUSH, Opcodes.SIPUSH -> ((IntInsnNode) push).operand == v;
            case Opcodes.LDC -> ((LdcInsnNode) push).cst instanceof Integer i && i == v;
            default -> false;
        };
    }

    /** The value of a numeric constant ({@code dconst_1}, {@code bipush 7}, {@code ldc 2.5}), or null. */
    public Number number() {
        int op = push.getOpcode();
        if (op >= Opcodes.ICONST_M1 && op <= Opcodes.ICONST_5) return op - Opcodes.ICONST_0;
        if (op == Opcodes.LCONST_0 || op == Opcodes.LCONST_1) return (long) (op - Opcodes.LCONST_0);
        if (op >= Opcodes.FCONST_0 && op <= Opcodes.FCONST_2) return (float) (op - Opcodes.FCONST_0);
        if (op == Opcodes.DCONST_0 || op == Opcodes.DCONST_1) return (double) (op - Opcodes.DCONST_0);
        if (op == Opcodes.BIPUSH || op == Opcodes.SIPUSH) return ((IntInsnNode) push).operand;
        return push instanceof LdcInsnNode ldc && ldc.cst instanceof Number n ? n : null;
    }

    public static Const ofInt(int v) {
        AbstractInsnNode insn = v >= -1 && v <= 5 ? new InsnNode(Opcodes.ICONST_0 + v)
                : v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE ? new IntInsnNode(Opcodes.BIPUSH, v)
                : v >= Short.MIN_VALUE && v <= Short.MAX_VALUE ? new IntInsnNode(Opcodes.SIPUSH, v)
                : new LdcInsnNode(v);
        return new Const(insn, Type.INT_TYPE);
    }

    @Override
    public String toString() {
        return switch (push.getOpcode()) {
            case Opcodes.ACONST_NULL -> "null";
            case Opcodes.ICONST_M1, Opcodes.ICONST_0, Opcodes.ICONST_1, Opcodes.ICONST_2, Opcodes.ICONST_3,
                    Opcodes.ICONST_4, Opcodes.ICONST_5 -> Integer.toString(push.getOpcode() - Opcodes.ICONST_0);
            case Opcodes.LCONST_0, Opcodes.LCONST_1 -> (push.getOpcode() - Opcodes.LCONST_0) + "L";
            case Opcodes.FCONST_0, Opcodes.FCONST_1, Opcodes.FCONST_2 -> (push.getOpcode() - Opcodes.FCONST_0) + ".0f";
            case Opcodes.DCONST_0, Opcodes.DCONST_1 -> (push.getOpcode() - Opcodes.DCONST_0) + ".0";
            case Opcodes.BIPUSH, Opcodes.SIPUSH -> Integer.toString(((IntInsnNode) push).operand);
            case Opcodes.LDC -> {
                Object c = ((LdcInsnNode) push).cst;
                yield c instanceof String s ? '"' + s + '"' : String.valueOf(c);
            }
            default -> "const";
        };
    }
}
