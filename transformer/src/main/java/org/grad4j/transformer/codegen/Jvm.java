package org.grad4j.transformer.codegen;

import org.grad4j.transformer.ir.Types;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** Small bytecode idioms shared by the emitters: typed loads, stores, zeros, register access. */
final class Jvm {
    static final String CTX = "org/grad4j/runtime/Ctx";
    static final String CTX_DESC = "L" + CTX + ";";
    static final String LINKER = "org/grad4j/runtime/Linker";

    private Jvm() {}

    static void load(MethodVisitor mv, Type t, int local) {
        mv.visitVarInsn(Types.ofLocalSort(Types.localSort(t)).getOpcode(Opcodes.ILOAD), local);
    }

    static void store(MethodVisitor mv, Type t, int local) {
        mv.visitVarInsn(Types.ofLocalSort(Types.localSort(t)).getOpcode(Opcodes.ISTORE), local);
    }

    static void zero(MethodVisitor mv, Type t) {
        switch (Types.localSort(t)) {
            case Type.INT -> mv.visitInsn(Opcodes.ICONST_0);
            case Type.LONG -> mv.visitInsn(Opcodes.LCONST_0);
            case Type.FLOAT -> mv.visitInsn(Opcodes.FCONST_0);
            case Type.DOUBLE -> mv.visitInsn(Opcodes.DCONST_0);
            default -> mv.visitInsn(Opcodes.ACONST_NULL);
        }
    }

    /** Converts the value on the stack, of type {@code t}, to a double. */
    static void toDouble(MethodVisitor mv, Type t) {
        if (t.getSort() == Type.FLOAT) mv.visitInsn(Opcodes.F2D);
    }

    /** Checkcast a reference loaded from an untyped local, unless it is Object. */
    static void narrow(MethodVisitor mv, Type t) {
        if ((t.getSort() == Type.OBJECT && !t.getInternalName().equals("java/lang/Object")) || t.getSort() == Type.ARRAY) {
            mv.visitTypeInsn(Opcodes.CHECKCAST, t.getSort() == Type.ARRAY ? t.getDescriptor() : t.getInternalName());
        }
    }

    /** Pushes {@code ctx.d[register]}. */
    static void loadRegister(MethodVisitor mv, int ctxLocal, int register) {
        mv.visitVarInsn(Opcodes.ALOAD, ctxLocal);
        mv.visitFieldInsn(Opcodes.GETFIELD, CTX, "d", "[D");
        pushInt(mv, register);
        mv.visitInsn(Opcodes.DALOAD);
    }

    static void pushInt(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) mv.visitInsn(Opcodes.ICONST_0 + v);
        else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(Opcodes.BIPUSH, v);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(Opcodes.SIPUSH, v);
        else mv.visitLdcInsn(v);
    }

    /** The continuation interface for a result type, or null when none exists. */
    static String continuationFor(Type result) {
        if (Types.isShadowed(result)) return "org/grad4j/runtime/ArrayContinuation";
        return switch (result.getSort()) {
            case Type.DOUBLE -> "org/grad4j/runtime/DoubleContinuation";
            case Type.FLOAT -> "org/grad4j/runtime/FloatContinuation";
            case Type.VOID -> "org/grad4j/runtime/VoidContinuation";
            default -> null;
        };
    }

    /** The descriptor of a continuation's {@code resume} for a result type. */
    static String resumeDescriptor(Type result) {
        if (Types.isShadowed(result)) return "(Ljava/lang/Object;Ljava/lang/Object;" + CTX_DESC + ")V";
        return switch (result.getSort()) {
            case Type.DOUBLE -> "(D" + CTX_DESC + ")D";
            case Type.FLOAT -> "(F" + CTX_DESC + ")D";
            default -> "(" + CTX_DESC + ")V";
        };
    }
}
