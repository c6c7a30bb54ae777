package org.grad4j.transformer.codegen;

import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.read.ClassFiles;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Generated classes are ordinary classes in the host's package, so that their frames appear
 * in stack traces; they cannot reach private members of the host's nest directly. Every member
 * access whose owner is in the host's nest therefore goes through an {@code invokedynamic}
 * linked by {@code Linker.member} with full access, as fast as a direct access once linked.
 *
 * <p>The same holds for an {@code invokedynamic} whose bootstrap arguments name a method or
 * field of the program (a lambda's private {@code lambda$f$0}, a private method reference, a
 * record's fields): resolving those handle constants from a generated class fails. Such a site
 * is linked by {@code Linker.hosted}, which resolves the handles with full access to their class
 * and calls the original bootstrap with that class's lookup, so the lambda is what the program
 * would have made.
 */
final class HostAccess {
    private static final Handle MEMBER = new Handle(Opcodes.H_INVOKESTATIC, Jvm.LINKER, "member",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)Ljava/lang/invoke/CallSite;", false);

    private static final Handle HOSTED = new Handle(Opcodes.H_INVOKESTATIC, Jvm.LINKER, "hosted",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "[Ljava/lang/Object;)Ljava/lang/invoke/CallSite;", false);

    private final String nestTop;

    HostAccess(String hostInternalName) {
        this.nestTop = ClassFiles.nestTop(hostInternalName);
    }

    boolean needsLinking(AbstractInsnNode insn) {
        if (insn instanceof InvokeDynamicInsnNode indy) return programHandle(indy) != null;
        String owner = insn instanceof FieldInsnNode f ? f.owner : insn instanceof MethodInsnNode m ? m.owner : null;
        return owner != null && ClassFiles.nestTop(owner).equals(nestTop);
    }

    /** Emits the access through {@code invokedynamic}; operands are already on the stack. */
    void emit(MethodVisitor mv, AbstractInsnNode insn, boolean newInit) {
        if (insn instanceof InvokeDynamicInsnNode indy) {
            emitHosted(mv, indy);
            return;
        }
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

    /** The first bootstrap argument that is a handle to a member of the program (not of the JDK), or null. */
    private static Handle programHandle(InvokeDynamicInsnNode indy) {
        for (Object a : indy.bsmArgs) {
            if (a instanceof Handle h && !CallResolver.isJdk(h.getOwner())) return h;
        }
        return null;
    }

    /**
     * The site again, bootstrapped by {@code Linker.hosted}: the class whose lookup links it, the
     * original bootstrap, then each argument, a handle spelled out as its parts (see
     * {@code Linker.hosted} for the encoding).
     */
    private static void emitHosted(MethodVisitor mv, InvokeDynamicInsnNode indy) {
        java.util.List<Object> encoded = new java.util.ArrayList<>();
        encoded.add(binary(programHandle(indy).getOwner()));
        addHandle(encoded, indy.bsm);
        for (Object a : indy.bsmArgs) {
            if (a instanceof Handle h) {
                encoded.add(1);
                addHandle(encoded, h);
            } else {
                encoded.add(0);
                encoded.add(a);
            }
        }
        mv.visitInvokeDynamicInsn(indy.name, indy.desc, HOSTED, encoded.toArray());
    }

    private static void addHandle(java.util.List<Object> encoded, Handle h) {
        encoded.add(h.getTag());
        encoded.add(binary(h.getOwner()));
        encoded.add(h.getName());
        encoded.add(h.getDesc());
    }

    private static String binary(String internalName) {
        return internalName.replace('/', '.');
    }
}
