package org.grad4j.transformer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.TransformException;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A method whose generated code cannot be built in any form (ASM's limits, the JVM's 64 KiB per
 * method) is refused with a message naming it and saying to split it, not with ASM's exception.
 */
class TooLargeMethodsTest {

    /** {@code static double f(double x)}: {@code x = x * 1.0001 + Math.sin(x * 1.0001)}, {@code steps} times, straight-line. */
    private static byte[] straightLine(int steps) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "gen/Huge", null, "java/lang/Object", null);
        cw.visitSource("Huge.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "f", "(D)D", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.DLOAD, 0);
        for (int i = 0; i < steps; i++) {
            mv.visitLdcInsn(1.0001);
            mv.visitInsn(Opcodes.DMUL);
            mv.visitInsn(Opcodes.DUP2);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Math", "sin", "(D)D", false);
            mv.visitInsn(Opcodes.DADD);
        }
        mv.visitInsn(Opcodes.DRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void aMethodTooLargeToGenerateIsRefusedWithAdvice() {
        byte[] huge = straightLine(3000); // 27 KB of bytecode: its reverse does not fit in 64 KiB
        ClassFileLocator system = ClassFileLocator.of(null);
        Transformer transformer = new Transformer(name -> name.equals("gen/Huge") ? huge : system.bytesOf(name));
        TransformException e = assertThrows(TransformException.class, () -> transformer.generate("gen/Huge", "f", "(D)D"));
        assertTrue(e.getMessage().contains("gen.Huge.f") && e.getMessage().contains("too large")
                && e.getMessage().contains("Split Huge.f into smaller @Differentiable helper methods"), e.getMessage());
    }
}
