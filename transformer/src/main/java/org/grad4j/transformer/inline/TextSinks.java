package org.grad4j.transformer.inline;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Calls that only turn an object into text: string concatenation ({@code "at " + v}),
 * {@code String.valueOf}, {@code Objects.toString}, {@code append} to a builder, {@code print}
 * and {@code println}, {@code toString()} itself, and {@code assert c : v}'s {@code new
 * AssertionError(v)}. A value object made here and given to one is rebuilt there from its
 * fields' values ({@link ValueRewrite}), as data: the text carries no derivative, and the
 * object goes nowhere else, so the program's own class prints it, values and all.
 */
final class TextSinks {
    private TextSinks() {}

    /** Whether {@code insn} is such a call. */
    static boolean isSink(AbstractInsnNode insn) {
        if (insn instanceof InvokeDynamicInsnNode d) return d.bsm.getOwner().equals("java/lang/invoke/StringConcatFactory");
        if (!(insn instanceof MethodInsnNode m)) return false;
        String owner = m.owner, name = m.name, desc = m.desc;
        return switch (m.getOpcode()) {
            case Opcodes.INVOKESTATIC -> owner.equals("java/lang/String") && name.equals("valueOf") && desc.equals("(Ljava/lang/Object;)Ljava/lang/String;")
                    || owner.equals("java/util/Objects") && name.equals("toString") && desc.startsWith("(Ljava/lang/Object;");
            case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE -> name.equals("toString") && desc.equals("()Ljava/lang/String;")
                    || (owner.equals("java/lang/StringBuilder") || owner.equals("java/lang/StringBuffer")) && name.equals("append")
                    && desc.startsWith("(Ljava/lang/Object;)")
                    || owner.equals("java/io/PrintStream") && (name.equals("print") || name.equals("println")) && desc.equals("(Ljava/lang/Object;)V");
            case Opcodes.INVOKESPECIAL -> owner.equals("java/lang/AssertionError") && name.equals("<init>") && desc.equals("(Ljava/lang/Object;)V");
            default -> false;
        };
    }

    /** How many values it takes off the operand stack: its arguments, and the receiver of an instance method. */
    static int arguments(AbstractInsnNode sink) {
        String desc = sink instanceof InvokeDynamicInsnNode d ? d.desc : ((MethodInsnNode) sink).desc;
        int receiver = sink.getOpcode() == Opcodes.INVOKESTATIC || sink.getOpcode() == Opcodes.INVOKEDYNAMIC ? 0 : 1;
        return Type.getArgumentTypes(desc).length + receiver;
    }

    /** The call in words, for a message ("string concatenation", "PrintStream.println"). */
    static String describe(AbstractInsnNode sink) {
        return sink instanceof MethodInsnNode m ? ValueObjects.simpleName(m.owner) + "." + m.name : "string concatenation";
    }
}
