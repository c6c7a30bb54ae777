package org.grad4j.transformer.codegen;

import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The {@code entry} of a taped recursion (see {@code split.TapedRecursion}), with the calling
 * convention of every other: it runs the method's {@link #FORWARD} function, which returns the
 * value and leaves on the value tape what the reverse reads, calls its continuation with the value
 * (the rest of the program, forward and back), and runs the {@link #REVERSE} function with the
 * adjoint the continuation returned; that one sets the parameters' adjoint registers.
 *
 * <p>The forward recursion keeps a frame per level only while it runs, so it cannot hand the rest
 * of itself to a worker as continuations do ({@code FrameEntry}); when it gets deep on the caller's
 * thread, {@code Ctx.enterForward} throws {@code MoveRequest}, and the entry drops what it pushed and
 * runs itself again on a worker. The forward functions write no memory, so running them again
 * changes nothing.
 */
final class TapedRecursionEntry {
    static final String FORWARD = "forward";
    static final String REVERSE = "reverse";
    private static final String MOVE_REQUEST = "org/grad4j/runtime/MoveRequest";
    private static final String TAPE = "org/grad4j/runtime/ValueTape";
    /**
     * The entry's frame, for the stack estimate: the base every generated function counts (64 bytes,
     * see {@code FunctionEmitter}'s frame cost) and about 32 more for what it keeps across its calls
     * (the tape's three tops, the estimate in use, the value).
     */
    private static final int FRAME_BYTES = 96;

    private TapedRecursionEntry() {}

    /** The forward function's descriptor: the entry's parameters but its continuation, returning the value. */
    static String forwardDescriptor(FunctionShape entry) {
        return parameters(entry) + ")D";
    }

    /** The reverse function's descriptor: the entry's parameters but its continuation, and the adjoint of the value. */
    static String reverseDescriptor(FunctionShape entry) {
        return parameters(entry) + "D)V";
    }

    private static String parameters(FunctionShape entry) {
        String d = entry.descriptor();
        String tail = "L" + entry.continuation() + ";" + Jvm.CTX_DESC + ")V";
        return d.substring(0, d.length() - tail.length()) + Jvm.CTX_DESC;
    }

    static void emit(Generation g, ClassVisitor cv) {
        FunctionShape shape = g.entryShape;
        MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, shape.name(), shape.descriptor(), null, null);
        int k = shape.continuationLocal();
        int ctx = shape.ctxLocal();
        int stackInUse = ctx + 1; // a long
        int dTop = ctx + 3;
        int iTop = ctx + 4;
        int oTop = ctx + 5;
        int value = ctx + 6; // a double: the value, then its adjoint
        mv.visitCode();
        FrameEntry.emit(mv, ctx, FRAME_BYTES, g.className, shape, true);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "stackInUse", "()J", false);
        mv.visitVarInsn(Opcodes.LSTORE, stackInUse);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "tape", "()Lorg/grad4j/runtime/ValueTape;", false);
        mv.visitInsn(Opcodes.DUP);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, "dTop", "I");
        mv.visitVarInsn(Opcodes.ISTORE, dTop);
        mv.visitInsn(Opcodes.DUP);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, "iTop", "I");
        mv.visitVarInsn(Opcodes.ISTORE, iTop);
        mv.visitFieldInsn(Opcodes.GETFIELD, TAPE, "oTop", "I");
        mv.visitVarInsn(Opcodes.ISTORE, oTop);

        Label start = new Label();
        Label end = new Label();
        Label movesToWorker = new Label();
        mv.visitTryCatchBlock(start, end, movesToWorker, MOVE_REQUEST);
        mv.visitLabel(start);
        loadArguments(mv, shape, k, ctx);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, FORWARD, forwardDescriptor(shape), false);
        mv.visitLabel(end);
        mv.visitVarInsn(Opcodes.DSTORE, value);

        mv.visitVarInsn(Opcodes.ALOAD, k);
        mv.visitVarInsn(Opcodes.DLOAD, value);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, g.continuation, "resume", Jvm.resumeDescriptor(Type.DOUBLE_TYPE), true);
        mv.visitVarInsn(Opcodes.DSTORE, value);
        loadArguments(mv, shape, k, ctx);
        mv.visitVarInsn(Opcodes.DLOAD, value);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, g.className, REVERSE, reverseDescriptor(shape), false);
        exit(mv, ctx);
        mv.visitInsn(Opcodes.RETURN);

        mv.visitLabel(movesToWorker);
        mv.visitInsn(Opcodes.POP);
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        mv.visitVarInsn(Opcodes.LLOAD, stackInUse);
        mv.visitVarInsn(Opcodes.ILOAD, dTop);
        mv.visitVarInsn(Opcodes.ILOAD, iTop);
        mv.visitVarInsn(Opcodes.ILOAD, oTop);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "forwardGivenUp", "(JIII)V", false);
        exit(mv, ctx); // the entry on the worker enters again
        FrameEntry.callOnWorker(mv, g.className, shape);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** The entry's own parameters and {@code ctx}: the forward function's arguments, and the reverse's but its last. */
    private static void loadArguments(MethodVisitor mv, FunctionShape shape, int k, int ctx) {
        int local = 0;
        for (Type t : Type.getArgumentTypes(shape.descriptor())) {
            if (local == k) break;
            mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), local);
            local += t.getSize();
        }
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
    }

    private static void exit(MethodVisitor mv, int ctx) {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        Jvm.pushInt(mv, FRAME_BYTES);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "exit", "(I)V", false);
    }
}
