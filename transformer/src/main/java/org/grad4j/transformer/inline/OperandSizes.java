package org.grad4j.transformer.inline;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;

/**
 * How many stack slots (1 or 2) the value an instruction pushes takes, for the interpreters that
 * follow objects through a method ({@link ValueFlow}, {@link LambdaFlow}) and otherwise only need
 * to know the size of what they do not follow.
 */
final class OperandSizes {
    private OperandSizes() {}

    /** Of an instruction taking no operand: a constant, a static field's value. */
    static int ofNew(AbstractInsnNode insn) {
        return switch (insn.getOpcode()) {
            case Opcodes.LCONST_0, Opcodes.LCONST_1, Opcodes.DCONST_0, Opcodes.DCONST_1 -> 2;
            case Opcodes.LDC -> ((LdcInsnNode) insn).cst instanceof Long || ((LdcInsnNode) insn).cst instanceof Double ? 2 : 1;
            case Opcodes.GETSTATIC -> Type.getType(((FieldInsnNode) insn).desc).getSize();
            default -> 1;
        };
    }

    /** Of an instruction taking one operand. */
    static int ofUnary(AbstractInsnNode insn) {
        return switch (insn.getOpcode()) {
            case Opcodes.GETFIELD -> Type.getType(((FieldInsnNode) insn).desc).getSize();
            case Opcodes.I2L, Opcodes.I2D, Opcodes.F2L, Opcodes.F2D, Opcodes.LNEG, Opcodes.DNEG, Opcodes.L2D, Opcodes.D2L -> 2;
            default -> 1;
        };
    }

    /** Of an instruction taking two operands. */
    static int ofBinary(AbstractInsnNode insn) {
        return switch (insn.getOpcode()) {
            case Opcodes.LALOAD, Opcodes.DALOAD, Opcodes.LADD, Opcodes.DADD, Opcodes.LSUB, Opcodes.DSUB, Opcodes.LMUL,
                 Opcodes.DMUL, Opcodes.LDIV, Opcodes.DDIV, Opcodes.LREM, Opcodes.DREM, Opcodes.LSHL, Opcodes.LSHR,
                 Opcodes.LUSHR, Opcodes.LAND, Opcodes.LOR, Opcodes.LXOR -> 2;
            default -> 1;
        };
    }

    /** Of a method or dynamic call (1 for one returning nothing, which pushes nothing). */
    static int ofCall(AbstractInsnNode insn) {
        String desc = insn instanceof org.objectweb.asm.tree.MethodInsnNode m ? m.desc
                : insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode d ? d.desc : null;
        return desc == null ? 1 : Math.max(1, Type.getReturnType(desc).getSize());
    }
}
