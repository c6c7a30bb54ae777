package org.grad4j.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** Class files made by hand with ASM, and class files of test classes. */
final class TestClasses {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private TestClasses() {}

    /** A fresh class name in this test package: each test defines its own classes once. */
    static String freshName(String stem) {
        return "org/grad4j/agent/" + stem + "$" + COUNTER.incrementAndGet();
    }

    /** {@code public class NAME extends SUPER { public static double NAME(double a, double b) { return a * b + c; } }}. */
    static byte[] classWithStaticMethod(String name, String superName, String method, double c) {
        return classWithStaticMethod(name, superName, method, c, false);
    }

    /** As above; with {@code differentiable}, the method carries {@code @org.grad4j.Differentiable}. */
    static byte[] classWithStaticMethod(String name, String superName, String method, double c, boolean differentiable) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC, name, null, superName, null);
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, superName, "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        if (method != null) {
            MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, method, "(DD)D", null, null);
            if (differentiable) mv.visitAnnotation("Lorg/grad4j/Differentiable;", true).visitEnd();
            mv.visitCode();
            mv.visitVarInsn(Opcodes.DLOAD, 0);
            mv.visitVarInsn(Opcodes.DLOAD, 2);
            mv.visitInsn(Opcodes.DMUL);
            mv.visitLdcInsn(c);
            mv.visitInsn(Opcodes.DADD);
            mv.visitInsn(Opcodes.DRETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A loader that defines classes from memory: it has no resources for them. */
    static final class MemoryLoader extends ClassLoader {
        MemoryLoader(ClassLoader parent) {
            super(parent);
        }

        Class<?> define(byte[] bytes) {
            return defineClass(null, bytes, 0, bytes.length);
        }
    }

    /** The class file of a loaded test class, from its resource. */
    static byte[] bytesOf(Class<?> type) {
        String resource = "/" + type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getResourceAsStream(resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
