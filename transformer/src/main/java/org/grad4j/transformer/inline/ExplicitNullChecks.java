package org.grad4j.transformer.inline;

import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@code Objects.requireNonNull(o, "message")} and {@code requireNonNull(o, () -> message)} written
 * out as the test they make: {@code o} when it is not null, else the same call with a null, which
 * throws the same {@code NullPointerException}. A value or mutable object made in the method
 * ({@code Vec2 b = requireNonNull(best, "no points")}) then passes through like an assignment, and
 * the passes that keep such objects in locals ({@link ValueObjects}, {@link MutableObjects}) follow
 * it; passed to the call itself it would have left the method. Those passes follow the one-argument
 * form as it is ({@code ValueObjects.isNullCheck}). The null branch throws, so a loop around it
 * stays a counted loop. Not done in constructors ({@link ValueClass} reads them as written): a
 * class whose constructor checks an object argument this way is not followed.
 */
public final class ExplicitNullChecks {
    private ExplicitNullChecks() {}

    /** The method with those calls written out; the method itself when it has none. */
    public static MethodNode of(MethodNode method) {
        boolean any = false;
        for (AbstractInsnNode insn : method.instructions) any |= insn instanceof MethodInsnNode m && isNullCheck(m);
        if (!any) return method;
        MethodNode copy = ClassFiles.copy(method);
        for (AbstractInsnNode insn : copy.instructions.toArray()) {
            if (!(insn instanceof MethodInsnNode m) || !isNullCheck(m)) continue;
            copy.instructions.insertBefore(m, writtenOut(m, method.maxLocals));
            copy.instructions.remove(m);
        }
        copy.maxStack = method.maxStack + 1; // the object's copy for the test
        copy.maxLocals = method.maxLocals + 1; // the message, while the object is tested
        return copy;
    }

    static boolean isNullCheck(MethodInsnNode m) {
        return m.getOpcode() == Opcodes.INVOKESTATIC && m.owner.equals("java/util/Objects") && m.name.equals("requireNonNull")
                && (m.desc.equals("(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/Object;")
                        || m.desc.equals("(Ljava/lang/Object;Ljava/util/function/Supplier;)Ljava/lang/Object;"));
    }

    /**
     * From {@code o} (and the message) on the stack to {@code o}: {@code if (o == null)} the call
     * itself with a null, which throws; the {@code athrow} after it is never reached, and ends the
     * branch for the verifier and the lifter. The message waits in a local of its own ({@code
     * message}), so that the object is not moved on the stack.
     */
    private static InsnList writtenOut(MethodInsnNode call, int message) {
        boolean withMessage = !call.desc.startsWith("(Ljava/lang/Object;)");
        InsnList out = new InsnList();
        LabelNode notNull = new LabelNode();
        if (withMessage) out.add(new VarInsnNode(Opcodes.ASTORE, message));
        out.add(new InsnNode(Opcodes.DUP));
        out.add(new JumpInsnNode(Opcodes.IFNONNULL, notNull));
        // the call's arguments again, with the null as a constant: the object itself does not reach the call
        out.add(new InsnNode(Opcodes.POP));
        out.add(new InsnNode(Opcodes.ACONST_NULL));
        if (withMessage) out.add(new VarInsnNode(Opcodes.ALOAD, message));
        out.add(new MethodInsnNode(Opcodes.INVOKESTATIC, call.owner, call.name, call.desc, false));
        out.add(new InsnNode(Opcodes.POP));
        out.add(new InsnNode(Opcodes.ACONST_NULL));
        out.add(new InsnNode(Opcodes.ATHROW));
        out.add(notNull);
        return out;
    }
}
