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
        if (ExplicitToString.stringOverload(m) != null) return true; // String.valueOf(o), println(o), append(o)...
        return switch (m.getOpcode()) {
            case Opcodes.INVOKESTATIC -> m.owner.equals("java/util/Objects") && m.name.equals("toString")
                    && m.desc.equals("(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/String;");
            case Opcodes.INVOKEVIRTUAL, Opcodes.INVOKEINTERFACE -> m.name.equals("toString") && m.desc.equals("()Ljava/lang/String;");
            case Opcodes.INVOKESPECIAL -> m.owner.equals("java/lang/AssertionError") && m.name.equals("<init>")
                    && m.desc.equals("(Ljava/lang/Object;)V");
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
