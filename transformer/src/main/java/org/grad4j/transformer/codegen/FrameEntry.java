package org.grad4j.transformer.codegen;

import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The first instructions of every generated function: its frame's estimate into {@code ctx}
 * ({@code Ctx.enter}, the depth budget). A function that can be entered again while the frames
 * below it wait — the method's entry (recursion) or a loop's header (a frame per iteration) — asks
 * {@code Ctx.enterOrMove} instead, and when the gradient started on the caller's thread and has got
 * deep, calls itself with the same arguments through an {@code invokedynamic} that runs it on a
 * worker ({@code runtime.StackExtension}), then returns: the worker has run the rest of the program,
 * forward and back, and set the adjoint registers as the function itself would have.
 */
final class FrameEntry {
    private static final Handle MOVE = new Handle(Opcodes.H_INVOKESTATIC, "org/grad4j/runtime/StackExtension", "bootstrap",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/invoke/MethodHandle;)Ljava/lang/invoke/CallSite;", false);

    private FrameEntry() {}

    /**
     * @param className the generated class, owner of {@code shape}'s function
     * @param mayRepeat the function may be entered again before it returns
     */
    static void emit(MethodVisitor mv, int ctx, int frameCost, String className, FunctionShape shape, boolean mayRepeat) {
        mv.visitVarInsn(Opcodes.ALOAD, ctx);
        Jvm.pushInt(mv, frameCost);
        if (!mayRepeat) {
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "enter", "(I)V", false);
            return;
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, Jvm.CTX, "enterOrMove", "(I)Z", false);
        Label stay = new Label();
        mv.visitJumpInsn(Opcodes.IFEQ, stay);
        callOnWorker(mv, className, shape);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitLabel(stay);
    }

    /** Calls the function itself, with its own arguments, on a worker ({@code StackExtension}); returns when it has. */
    static void callOnWorker(MethodVisitor mv, String className, FunctionShape shape) {
        int local = 0;
        for (Type t : Type.getArgumentTypes(shape.descriptor())) {
            mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), local);
            local += t.getSize();
        }
        mv.visitInvokeDynamicInsn("move", shape.descriptor(), MOVE,
                new Handle(Opcodes.H_INVOKESTATIC, className, shape.name(), shape.descriptor(), false));
    }
}
