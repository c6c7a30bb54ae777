package org.grad4j.transformer.lift;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/** How many operands an instruction pops, and whether it pushes a result. */
final class StackEffects {
    private StackEffects() {}

    /** Operand count of instructions the lifter turns into statements without special handling. */
    static int argumentCount(int op) {
        if (op >= Opcodes.IALOAD && op <= Opcodes.SALOAD) return 2;
        if (op >= Opcodes.IASTORE && op <= Opcodes.SASTORE) return 3;
        if (op >= Opcodes.IADD && op <= Opcodes.DREM) return 2;
        if (op >= Opcodes.INEG && op <= Opcodes.DNEG) return 1;
        if (op >= Opcodes.ISHL && op <= Opcodes.LXOR) return 2;
        if (op >= Opcodes.I2L && op <= Opcodes.I2S) return 1;
        if (op >= Opcodes.LCMP && op <= Opcodes.DCMPG) return 2;
        return switch (op) {
            case Opcodes.GETSTATIC -> 0;
            case Opcodes.PUTSTATIC, Opcodes.GETFIELD, Opcodes.NEWARRAY, Opcodes.ANEWARRAY, Opcodes.ARRAYLENGTH,
                    Opcodes.CHECKCAST, Opcodes.INSTANCEOF -> 1;
            case Opcodes.PUTFIELD -> 2;
            case Opcodes.NOP -> 0;
            default -> throw new IllegalArgumentException("unexpected opcode " + op);
        };
    }

    static boolean producesValue(AbstractInsnNode insn) {
        int op = insn.getOpcode();
        if (insn instanceof MethodInsnNode m) return Type.getReturnType(m.desc) != Type.VOID_TYPE;
        if (insn instanceof InvokeDynamicInsnNode d) return Type.getReturnType(d.desc) != Type.VOID_TYPE;
        if (insn instanceof FieldInsnNode) return op == Opcodes.GETFIELD || op == Opcodes.GETSTATIC;
        if (op >= Opcodes.IASTORE && op <= Opcodes.SASTORE) return false;
        return op != Opcodes.NOP;
    }
}
