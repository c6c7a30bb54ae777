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

    static final String TENSOR_ADJOINTS = "org/grad4j/tensor/TensorAdjoints";

    /** Pushes {@code ctx.d[register]} (scalars) or {@code ctx.o[register]} (tensors). */
    static void loadRegister(MethodVisitor mv, int ctxLocal, Types.Kind kind, int register) {
        mv.visitVarInsn(Opcodes.ALOAD, ctxLocal);
        boolean tensor = kind == Types.Kind.TENSOR;
        mv.visitFieldInsn(Opcodes.GETFIELD, CTX, tensor ? "o" : "d", tensor ? "[Ljava/lang/Object;" : "[D");
        pushInt(mv, register);
        mv.visitInsn(tensor ? Opcodes.AALOAD : Opcodes.DALOAD);
    }

    /** {@code ctx.d[register] = local} (or {@code ctx.o}). */
    static void storeRegister(MethodVisitor mv, int ctxLocal, Types.Kind kind, int register, int local) {
        mv.visitVarInsn(Opcodes.ALOAD, ctxLocal);
        boolean tensor = kind == Types.Kind.TENSOR;
        mv.visitFieldInsn(Opcodes.GETFIELD, CTX, tensor ? "o" : "d", tensor ? "[Ljava/lang/Object;" : "[D");
        pushInt(mv, register);
        mv.visitVarInsn(tensor ? Opcodes.ALOAD : Opcodes.DLOAD, local);
        mv.visitInsn(tensor ? Opcodes.AASTORE : Opcodes.DASTORE);
    }

    static void loadAdjoint(MethodVisitor mv, Types.Kind kind, int local) {
        mv.visitVarInsn(kind == Types.Kind.TENSOR ? Opcodes.ALOAD : Opcodes.DLOAD, local);
    }

    static void storeAdjoint(MethodVisitor mv, Types.Kind kind, int local) {
        mv.visitVarInsn(kind == Types.Kind.TENSOR ? Opcodes.ASTORE : Opcodes.DSTORE, local);
    }

    /** Pushes a zero adjoint: 0.0, or null for a tensor. */
    static void zeroAdjoint(MethodVisitor mv, Types.Kind kind) {
        mv.visitInsn(kind == Types.Kind.TENSOR ? Opcodes.ACONST_NULL : Opcodes.DCONST_0);
    }

    /** [a, b] → [a + b]; tensors out of place, null meaning zero. */
    static void addAdjoints(MethodVisitor mv, Types.Kind kind) {
        if (kind == Types.Kind.TENSOR) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, TENSOR_ADJOINTS, "add",
                    "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", false);
        } else {
            mv.visitInsn(Opcodes.DADD);
        }
    }

    /** {@code local += (adjoint on the stack)}; a store when the local is known to hold 0.0 (see {@link KnownZeros}). */
    static void accumulateInto(MethodVisitor mv, Types.Kind kind, int local) {
        if (kind == Types.Kind.SCALAR && mv instanceof KnownZeros z && z.isZero(local)) {
            storeAdjoint(mv, kind, local);
            return;
        }
        loadAdjoint(mv, kind, local);
        if (kind == Types.Kind.TENSOR) {
            mv.visitInsn(Opcodes.SWAP);
        }
        addAdjoints(mv, kind);
        storeAdjoint(mv, kind, local);
    }

    /**
     * {@code local -= (what pushContribution pushes)}, a scalar adjoint: the contribution negated
     * when the local is known to hold 0.0, else one {@code DSUB} ({@code a - b} is exactly
     * {@code -b + a}, so the result is the same as negating and accumulating).
     */
    static void subtractFrom(MethodVisitor mv, int local, Runnable pushContribution) {
        if (mv instanceof KnownZeros z && z.isZero(local)) {
            pushContribution.run();
            mv.visitInsn(Opcodes.DNEG);
        } else {
            mv.visitVarInsn(Opcodes.DLOAD, local);
            pushContribution.run();
            mv.visitInsn(Opcodes.DSUB);
        }
        mv.visitVarInsn(Opcodes.DSTORE, local);
    }

    static void pushInt(MethodVisitor mv, int v) {
        if (v >= -1 && v <= 5) mv.visitInsn(Opcodes.ICONST_0 + v);
        else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(Opcodes.BIPUSH, v);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(Opcodes.SIPUSH, v);
        else mv.visitLdcInsn(v);
    }

    /** The continuation interface for a result type, or null when none exists (see {@link Types#isCallResult}). */
    static String continuationFor(Type result) {
        if (!Types.isCallResult(result)) return null;
        if (Types.isShadowed(result)) return "org/grad4j/runtime/ArrayContinuation";
        if (Types.kind(result) == Types.Kind.TENSOR) return "org/grad4j/runtime/TensorContinuation";
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
        if (Types.kind(result) == Types.Kind.TENSOR) return "(Ljava/lang/Object;" + CTX_DESC + ")Ljava/lang/Object;";
        return switch (result.getSort()) {
            case Type.DOUBLE -> "(D" + CTX_DESC + ")D";
            case Type.FLOAT -> "(F" + CTX_DESC + ")D";
            default -> "(" + CTX_DESC + ")V";
        };
    }
}
