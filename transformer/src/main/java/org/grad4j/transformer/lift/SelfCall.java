package org.grad4j.transformer.lift;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * A body for a static method that only calls the method itself: {@code return m(p0, …, pn);}. A
 * gradient that starts in a method with a rule differentiates this body instead of the method's,
 * so the call resolves to the rule exactly as a call from differentiated code does — through a
 * method reference, {@code AD.gradient(Method, …)} or a {@code java.util.function} object alike.
 * Differentiated, its own body would silently ignore the rule (a straight-through estimator's
 * {@code Math.rint} has a zero derivative) or be refused (a {@code try}/{@code catch} the rule was
 * written to get round).
 */
public final class SelfCall {
    private SelfCall() {}

    /** {@code method}'s name, descriptor and flags, with a body calling it; {@code method} must be static. */
    public static MethodNode of(String ownerInternalName, boolean ownerIsInterface, MethodNode method) {
        if ((method.access & Opcodes.ACC_STATIC) == 0) throw new IllegalArgumentException(method.name + " is not static");
        int access = method.access & ~(Opcodes.ACC_SYNCHRONIZED | Opcodes.ACC_NATIVE | Opcodes.ACC_ABSTRACT);
        MethodNode body = new MethodNode(Opcodes.ASM9, access, method.name, method.desc, null, null);
        int line = firstLine(method);
        if (line > 0) { // so that what the call reports names the method's own line
            LabelNode start = new LabelNode();
            body.instructions.add(start);
            body.instructions.add(new LineNumberNode(line, start));
        }
        int slot = 0;
        for (Type t : Type.getArgumentTypes(method.desc)) {
            body.instructions.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), slot));
            slot += t.getSize();
        }
        body.instructions.add(new MethodInsnNode(Opcodes.INVOKESTATIC, ownerInternalName, method.name, method.desc,
                ownerIsInterface));
        body.instructions.add(new InsnNode(Type.getReturnType(method.desc).getOpcode(Opcodes.IRETURN)));
        body.maxLocals = slot;
        body.maxStack = Math.max(slot, Type.getReturnType(method.desc).getSize());
        return body;
    }

    private static int firstLine(MethodNode m) {
        for (AbstractInsnNode insn : m.instructions) if (insn instanceof LineNumberNode ln) return ln.line;
        return -1;
    }
}
