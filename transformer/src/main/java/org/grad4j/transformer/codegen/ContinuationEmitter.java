package org.grad4j.transformer.codegen;

import org.grad4j.transformer.ir.Types;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** Emits the class of one call site's continuation (see {@link ContinuationSpec}). */
final class ContinuationEmitter {
    private ContinuationEmitter() {}

    private static final String VALUE_UNREAD = "org/grad4j/runtime/ValueUnread";
    private static final String DISCARDS = "discards";

    static String valueField(int i) { return "v" + i; }

    static String shadowField(int i) { return "s" + i; }

    static String adjointField(int i) { return "d" + i; }

    static void emit(ContinuationSpec spec, String mainClass, ClassVisitor cv, String sourceFile) {
        String[] interfaces = spec.resultOnlyFormsCallers() ? new String[] {spec.interfaceName(), VALUE_UNREAD}
                : new String[] {spec.interfaceName()};
        cv.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
                spec.className(), null, "java/lang/Object", interfaces);
        if (sourceFile != null) cv.visitSource(sourceFile, null);
        FunctionShape target = spec.target();
        for (int i = 0; i < target.types().length; i++) {
            if (i == spec.resultIndex()) continue;
            Type t = target.types()[i];
            cv.visitField(Opcodes.ACC_FINAL, valueField(i), t.getDescriptor(), null, null).visitEnd();
            if (Types.isShadowed(t)) cv.visitField(Opcodes.ACC_FINAL, shadowField(i), t.getDescriptor(), null, null).visitEnd();
            Types.Kind k = target.registerKind(i);
            if (k != Types.Kind.NONE) cv.visitField(0, adjointField(i), Types.adjointType(k).getDescriptor(), null, null).visitEnd();
        }
        String outer = "L" + spec.outerContinuation() + ";";
        cv.visitField(Opcodes.ACC_FINAL, "k", outer, null, null).visitEnd();
        if (spec.resultOnlyFormsCallers()) cv.visitField(Opcodes.ACC_FINAL, DISCARDS, "Z", null, null).visitEnd();
        constructor(spec, cv, outer);
        resume(spec, mainClass, cv, outer);
        if (spec.resultOnlyFormsCallers()) discardsValue(spec, cv);
        cv.visitEnd();
    }

    private static void constructor(ContinuationSpec spec, ClassVisitor cv, String outer) {
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PUBLIC, "<init>", spec.constructorDescriptor(), null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        FunctionShape target = spec.target();
        int local = 1;
        for (int i = 0; i < target.types().length; i++) {
            if (i == spec.resultIndex()) continue;
            Type t = target.types()[i];
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), local);
            mv.visitFieldInsn(Opcodes.PUTFIELD, spec.className(), valueField(i), t.getDescriptor());
            local += t.getSize();
            if (Types.isShadowed(t)) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitVarInsn(Opcodes.ALOAD, local++);
                mv.visitFieldInsn(Opcodes.PUTFIELD, spec.className(), shadowField(i), t.getDescriptor());
            }
        }
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitVarInsn(Opcodes.ALOAD, local);
        mv.visitFieldInsn(Opcodes.PUTFIELD, spec.className(), "k", outer);
        if (spec.resultOnlyFormsCallers()) { // the caller's continuation reads its result, or not, once for the call
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitVarInsn(Opcodes.ALOAD, local);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "org/grad4j/runtime/TopContinuation", "discardsValue",
                    "(Ljava/lang/Object;)Z", false);
            mv.visitFieldInsn(Opcodes.PUTFIELD, spec.className(), DISCARDS, "Z");
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** {@code ValueUnread.discardsValue()}: what the constructor found. */
    private static void discardsValue(ContinuationSpec spec, ClassVisitor cv) {
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PUBLIC, "discardsValue", "()Z", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, spec.className(), DISCARDS, "Z");
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Runs the function after the call with the captured values and the result; keeps their adjoints. */
    private static void resume(ContinuationSpec spec, String mainClass, ClassVisitor cv, String outer) {
        Type result = spec.calleeResult();
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PUBLIC, "resume", Jvm.resumeDescriptor(result), null, null);
        mv.visitCode();
        boolean array = Types.isShadowed(result);
        boolean tensor = Types.kind(result) == Types.Kind.TENSOR;
        int ctx = array ? 3 : 1 + (result.getSort() == Type.VOID ? 0 : result.getSize());
        FunctionShape target = spec.target();
        for (int i = 0; i < target.types().length; i++) {
            Type t = target.types()[i];
            if (i == spec.resultIndex() && array) { // value and shadow arrive as Objects
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                mv.visitTypeInsn(Opcodes.CHECKCAST, t.getDescriptor());
                mv.visitVarInsn(Opcodes.ALOAD, 2);
                mv.visitTypeInsn(Opcodes.CHECKCAST, t.getDescriptor());
                continue;
            }
            if (i == spec.resultIndex() && tensor) {
                mv.visitVarInsn(Opcodes.ALOAD, 1);
                mv.visitTypeInsn(Opcodes.CHECKCAST, t.getInternalName());
                continue;
            }
            if (i == spec.resultIndex()) {
                mv.visitVarInsn(result.getOpcode(Opcodes.ILOAD), 1);
                if (!t.equals(result)) mv.visitInsn(result.getSort() == Type.FLOAT ? Opcodes.F2D : Opcodes.D2F);
                continue;
            }
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitFieldInsn(Opcodes.GETFIELD, spec.className(), valueField(i), t.getDescriptor());
            if (Types.isShadowed(t)) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitFieldInsn(Opcodes.GETFIELD, spec.className(), shadowField(i), t.getDescriptor());
            }
        }
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitFieldInsn(Opcodes.GETFIELD, spec.className(), "k", outer);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, mainClass, target.name(), target.descriptor(), false);
        for (int i = 0; i < target.types().length; i++) {
            int r = target.register(i);
            if (i == spec.resultIndex() || r < 0) continue;
            Types.Kind k = target.registerKind(i);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            Jvm.loadRegister(mv, ctx, k, r);
            mv.visitFieldInsn(Opcodes.PUTFIELD, spec.className(), adjointField(i), Types.adjointType(k).getDescriptor());
        }
        if (spec.resultIndex() >= 0 && !array) {
            Types.Kind k = target.registerKind(spec.resultIndex());
            Jvm.loadRegister(mv, ctx, k, target.register(spec.resultIndex()));
            mv.visitInsn(k == Types.Kind.TENSOR ? Opcodes.ARETURN : Opcodes.DRETURN);
        } else if (tensor) { // the caller discarded the result: its adjoint is zero
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitInsn(Opcodes.ARETURN);
        } else if (!array && result.getSort() != Type.VOID) {
            mv.visitInsn(Opcodes.DCONST_0);
            mv.visitInsn(Opcodes.DRETURN);
        } else {
            mv.visitInsn(Opcodes.RETURN);
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }
}
