package org.grad4j.transformer.codegen;

import org.grad4j.transformer.ir.Types;
import org.grad4j.transformer.split.LoopEnvironments;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Emits a loop's environment class: the loop's invariant values (with shadows), set once per
 * loop entry, and one adjoint field per scalar or tensor invariant that every iteration adds
 * its part to.
 */
final class EnvironmentEmitter {
    private EnvironmentEmitter() {}

    static String valueField(int slot) { return "v" + slot; }

    static String shadowField(int slot) { return "s" + slot; }

    static String adjointField(int slot) { return "d" + slot; }

    /** SCALAR or TENSOR when the invariant has an adjoint field, else NONE. */
    static Types.Kind adjointKind(Type t) {
        Types.Kind k = Types.kind(t);
        return k == Types.Kind.SCALAR || k == Types.Kind.TENSOR ? k : Types.Kind.NONE;
    }

    static String constructorDescriptor(LoopEnvironments.LoopEnv env) {
        StringBuilder sb = new StringBuilder("(");
        for (Type t : env.types()) {
            sb.append(t.getDescriptor());
            if (Types.isShadowed(t)) sb.append(t.getDescriptor());
        }
        return sb.append(")V").toString();
    }

    static void emit(String className, LoopEnvironments.LoopEnv env, ClassVisitor cv, String sourceFile) {
        cv.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
                className, null, "java/lang/Object", null);
        if (sourceFile != null) cv.visitSource(sourceFile, null);
        int[] slots = env.fields();
        Type[] types = env.types();
        for (int i = 0; i < slots.length; i++) {
            cv.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, valueField(slots[i]), types[i].getDescriptor(), null, null).visitEnd();
            if (Types.isShadowed(types[i])) {
                cv.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, shadowField(slots[i]), types[i].getDescriptor(), null, null).visitEnd();
            }
            Types.Kind k = adjointKind(types[i]);
            if (k != Types.Kind.NONE) {
                cv.visitField(Opcodes.ACC_PUBLIC, adjointField(slots[i]), Types.adjointType(k).getDescriptor(), null, null).visitEnd();
            }
        }
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PUBLIC, "<init>", constructorDescriptor(env), null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        int local = 1;
        for (int i = 0; i < slots.length; i++) {
            Type t = types[i];
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), local);
            mv.visitFieldInsn(Opcodes.PUTFIELD, className, valueField(slots[i]), t.getDescriptor());
            local += t.getSize();
            if (Types.isShadowed(t)) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, local++);
                mv.visitFieldInsn(Opcodes.PUTFIELD, className, shadowField(slots[i]), t.getDescriptor());
            }
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cv.visitEnd();
    }
}
