package org.grad4j.transformer.codegen;

import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Generated classes are ordinary classes in the host's package, so that their frames appear
 * in stack traces; they cannot reach private members of the host's nest directly. Every member
 * access whose owner is in the host's nest therefore goes through an {@code invokedynamic}
 * linked by {@code Linker.member} with full access, as fast as a direct access once linked.
 */
final class HostAccess {
    private static final Handle MEMBER = new Handle(Opcodes.H_INVOKESTATIC, Jvm.LINKER, "member",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)Ljava/lang/invoke/CallSite;", false);

    private final String nestTop;

    HostAccess(String hostInternalName) {
        this.nestTop = ClassFiles.nestTop(hostInternalName);
    }

    boolean needsLinking(AbstractInsnNode insn) {
        String owner = insn instanceof FieldInsnNode f ? f.owner : insn instanceof MethodInsnNode m ? m.owner : null;
        return owner != null && ClassFiles.nestTop(owner).equals(nestTop);
    }

    /** Emits the access through {@code invokedynamic}; operands are already on the stack. */
    void emit(MethodVisitor mv, AbstractInsnNode insn, boolean newInit) {
        if (insn instanceof FieldInsnNode f) {
            Type owner = Type.getObjectType(f.owner);
            String desc;
            int kind;
            switch (f.getOpcode()) {
                case Opcodes.GETSTATIC -> { kind = 2; desc = "()" + f.desc; }
                case Opcodes.PUTSTATIC -> { kind = 4; desc = "(" + f.desc + ")V"; }
                case Opcodes.GETFIELD -> { kind = 1; desc = "(" + owner.getDescriptor() + ")" + f.desc; }
                default -> { kind = 3; desc = "(" + owner.getDescriptor() + f.desc + ")V"; }
            }
            mv.visitInvokeDynamicInsn(f.name, desc, MEMBER, kind, binary(f.owner), f.name, f.desc);
            return;
        }
        MethodInsnNode m = (MethodInsnNode) insn;
        Type owner = Type.getObjectType(m.owner);
        Type[] args = Type.getArgumentTypes(m.desc);
        Type ret = Type.getReturnType(m.desc);
        int kind;
        String desc;
        if (newInit) {
            kind = 8; // REF_newInvokeSpecial
            desc = Type.getMethodDescriptor(owner, args);
        } else if (m.getOpcode() == Opcodes.INVOKESTATIC) {
            kind = 6;
            desc = m.desc;
        } else {
            kind = m.getOpcode() == Opcodes.INVOKESPECIAL ? 7 : m.getOpcode() == Opcodes.INVOKEINTERFACE ? 9 : 5;
            Type[] withReceiver = new Type[args.length + 1];
            withReceiver[0] = owner;
            System.arraycopy(args, 0, withReceiver, 1, args.length);
            desc = Type.getMethodDescriptor(ret, withReceiver);
        }
        String name = newInit ? "new" : m.name;
        mv.visitInvokeDynamicInsn(name, desc, MEMBER, kind, binary(m.owner), m.name, m.desc);
    }

    private static String binary(String internalName) {
        return internalName.replace('/', '.');
    }
}
